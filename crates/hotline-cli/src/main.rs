//! The `hotline` binary; see the `hotline_cli` library for its definition and conventions.

use std::process::ExitCode;

use clap::Parser;
use hotline_cli::Cli;

fn main() -> ExitCode {
    quiet_on_closed_stdout();
    let cli = Cli::parse();
    match hotline_cli::run(cli) {
        Ok(status) => status.into(),
        Err(failure) => {
            eprintln!("hotline: error: {failure}");
            failure.status.into()
        }
    }
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
        use clap::Parser;
        let err = hotline_cli::Cli::try_parse_from(["hotline", "--no-such-flag"]).unwrap_err();
        assert_eq!(err.exit_code(), i32::from(hotline_cli::Status::Usage.code()));
    }
}
