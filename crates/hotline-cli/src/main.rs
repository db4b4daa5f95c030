//! The `hotline` binary; see the `hotline_cli` library for its definition and conventions.

use std::process::ExitCode;

use clap::FromArgMatches;
use hotline_cli::{Cli, Status};

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let json = hotline_cli::wants_json(args.iter().skip(1));
    let parsed = hotline_cli::command()
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            let informational = matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            );
            if informational {
                e.exit();
            }
            let text = hotline_cli::report::plain_words(&e.render().to_string());
            if json {
                let first = text.lines().next().unwrap_or_default();
                let message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
                print_failure_json(&message, Status::Usage);
            }
            eprint!("{text}");
            return Status::Usage.into();
        }
    };
    match hotline_cli::run(cli) {
        Ok(status) => status.into(),
        Err(failure) => {
            let message = hotline_cli::report::plain_words(&failure.message);
            eprintln!("hotline: error: {message}");
            if json {
                print_failure_json(&message, failure.status);
            }
            failure.status.into()
        }
    }
}

/// With `--json`, a failure is also a JSON document on standard output, so that a script reading
/// it always gets JSON.
fn print_failure_json(message: &str, status: Status) {
    let _ = hotline_cli::report::print_json(&hotline_cli::failure_json(message, status));
}

/// Ends the process quietly, with status 0, when standard output is a pipe whose reader has gone
/// (`hotline flow show ... | head`).
///
/// Rust ignores SIGPIPE, so `println!` to a closed pipe panics with "failed printing to stdout:
/// Broken pipe"; every subcommand prints with `println!`, so this is handled once, here. The reader
/// took all it wanted, so this is not a failure; any other panic keeps the default report.
fn quiet_on_closed_stdout() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default_hook(info);
    }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn usage_errors_exit_2() {
        // clap's own usage errors use exit code 2, the same as our `Status::Usage`.
        let err =
            hotline_cli::command().try_get_matches_from(["hotline", "--no-such-flag"]).unwrap_err();
        assert_eq!(err.exit_code(), i32::from(hotline_cli::Status::Usage.code()));
    }
}
