//! The `hotline` binary; see the `hotline_cli` library for its definition and conventions.

use std::process::ExitCode;

use clap::Parser;
use hotline_cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match hotline_cli::run(cli) {
        Ok(status) => status.into(),
        Err(failure) => {
            eprintln!("hotline: error: {failure}");
            failure.status.into()
        }
    }
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
