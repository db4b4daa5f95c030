//! The `hotline` binary as a user runs it: help, version and exit codes.

use std::process::Command;

fn hotline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hotline")).args(args).output().expect("run hotline")
}

#[test]
fn help_names_the_command_and_exit_codes() {
    let out = hotline(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Usage: hotline"), "{text}");
    assert!(text.contains("Exit status"), "{text}");
}

#[test]
fn version_is_the_crate_version() {
    let out = hotline(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim(), format!("hotline {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn unknown_subcommand_is_a_usage_error() {
    let out = hotline(&["no-such-subject"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!out.stderr.is_empty());
}

#[test]
fn a_reader_that_closes_early_is_not_a_crash() {
    // Regression: `hotline ... | head` panicked with "failed printing to stdout: Broken pipe".
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_hotline"))
        .args(["erlang", "b", "--load", "10", "--agents", "12"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run hotline");
    drop(child.stdout.take()); // the reader goes away before the command prints
    let out = child.wait_with_output().expect("wait for hotline");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
