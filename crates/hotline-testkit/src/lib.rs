//! Test support for hotline's own test suites.
//!
//! Every crate's tests find the shared conformance corpora and outside programs through this crate,
//! so that one rule holds everywhere (see the book's "Getting started" chapter):
//!
//! * when the thing is there, the test gets its path;
//! * when it is missing and the environment variable `CI` is unset (a user's own clone), the test is
//!   skipped: [`testdata`] and [`program`] print a line saying what is missing and how to get it,
//!   and return `None`, and the test returns early;
//! * when it is missing and `CI` is set, the test fails loudly: CI installs everything the tests
//!   need, so a missing piece there is a broken install step, never a reason to skip.
//!
//! ```no_run
//! let Some(dir) = hotline_testkit::testdata("sip") else { return };
//! assert!(dir.join("expectations.toml").is_file());
//! ```

use std::env;
use std::path::{Path, PathBuf};

#[cfg(unix)]
pub mod postgres;

/// The environment variable that names the shared test-data folder explicitly.
///
/// Unset, the folder is `../shared/testdata` relative to the repository root.
pub const TESTDATA_VAR: &str = "HOTLINE_TESTDATA";

/// The repository root (the folder holding the workspace `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").components().collect()
}

/// Whether the tests run in CI: the variable `CI` is set to anything but an empty string, `0` or
/// `false`.
pub fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// Reports that `what` is missing.
///
/// Outside CI it prints `skipped: <what is missing>; <how to get it>` to standard error and returns
/// normally, so that the caller can return `None`; in CI it panics with the same words.
///
/// The line is written to the process's standard error directly, not through `eprintln!`, which
/// the test harness captures and shows only for failing tests: a skipped test must say so in a
/// plain `cargo test` run, not only under `--nocapture`.
///
/// # Panics
///
/// When [`in_ci`] is true: a missing dependency in CI is a failure.
pub fn missing(what: &str, remedy: &str) {
    if in_ci() {
        panic!("{what} is missing in CI ({remedy}); scripts/test.sh should have installed it");
    }
    use std::io::Write as _;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    // Written around the harness's capture on purpose (see above); a failed write is not worth a
    // failed test.
    let _ = writeln!(std::io::stderr().lock(), "skipped: {test}: {what} is missing; {remedy}");
}

/// The shared test-data folder, or the sub-folder `sub` of it (`""` for the folder itself).
///
/// The folder is `$HOTLINE_TESTDATA` when that variable is set, otherwise `../shared/testdata`
/// relative to the repository root. Missing, it is skipped or fails by the rule of [`missing`].
pub fn testdata(sub: &str) -> Option<PathBuf> {
    let base = match env::var_os(TESTDATA_VAR) {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/testdata"),
    };
    let dir: PathBuf = base.join(sub).components().collect();
    if dir.is_dir() {
        Some(dir)
    } else {
        missing(
            &format!("the shared test data {}", dir.display()),
            &format!(
                "`shared/` holds the project's conformance corpora and sits beside the clone in \
                 the project's CI; put it there or set {TESTDATA_VAR}"
            ),
        );
        None
    }
}

/// The path of the program `name` on `PATH`, skipped or failing by the rule of [`missing`] when it
/// is not there; `package` names the Debian package that provides it.
pub fn program(name: &str, package: &str) -> Option<PathBuf> {
    match find_on_path(name) {
        Some(path) => Some(path),
        None => {
            missing(
                &format!("the program `{name}`"),
                &format!("install it with `apt-get install {package}` or run ./scripts/test.sh"),
            );
            None
        }
    }
}

/// A file under a system folder (for example a Debian package's data), skipped or failing by the
/// rule of [`missing`] when absent; `package` names the Debian package that provides it.
pub fn system_path(path: impl AsRef<Path>, package: &str) -> Option<PathBuf> {
    let path = path.as_ref();
    if path.exists() {
        Some(path.to_path_buf())
    } else {
        missing(
            &format!("{}", path.display()),
            &format!("install it with `apt-get install {package}` or run ./scripts/test.sh"),
        );
        None
    }
}

/// Looks `name` up in the folders of `PATH`, as a shell would.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path).map(|dir| dir.join(name)).find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_holds_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_root().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn finds_a_program_every_machine_has() {
        assert!(find_on_path("sh").is_some());
        assert!(find_on_path("no-such-program-hotline").is_none());
    }
}
