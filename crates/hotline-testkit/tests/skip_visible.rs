//! Issue 25: a test that skips because the shared test data (or an outside program) is missing
//! must say so in a plain `cargo test` run, where the harness captures what tests print and
//! shows only `... ok`. This runs this test binary again, without `--nocapture`, on a test that
//! skips, and reads what a user would see.

use std::process::Command;

const CHILD: &str = "HOTLINE_TESTKIT_SKIP_CHILD";

/// Skips (the test data folder does not exist) when run as the child below; passes at once
/// otherwise.
#[test]
fn skips_for_missing_test_data() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert!(hotline_testkit::testdata("sip").is_none(), "the folder should be missing");
}

#[test]
fn a_skip_is_visible_in_plain_cargo_test_output() {
    let absent = std::env::temp_dir().join(format!("hotline-no-testdata-{}", std::process::id()));
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["skips_for_missing_test_data", "--exact"])
        .env(CHILD, "1")
        .env("HOTLINE_TESTDATA", &absent)
        .env_remove("CI")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the child run failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "the child did not run the skipping test:\n{stdout}");
    let line = stderr.lines().find(|l| l.starts_with("skipped: ")).unwrap_or_else(|| {
        panic!("no `skipped:` line in plain output:\nstdout:\n{stdout}\nstderr:\n{stderr}")
    });
    assert!(line.contains("the shared test data"), "{line}");
    assert!(line.contains(&absent.display().to_string()), "{line}");
}

#[test]
fn the_readme_says_where_the_shared_data_comes_from() {
    // A new user's clone has no `../shared`: the README must say what it is, that CI provides
    // it, and what a skip looks like.
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
    )
    .unwrap();
    for needle in ["../shared/testdata", "HOTLINE_TESTDATA", "CI provides it", "skipped: <test>"] {
        assert!(readme.contains(needle), "README.md does not mention `{needle}`");
    }
}
