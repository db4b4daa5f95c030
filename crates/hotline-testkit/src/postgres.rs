//! A throwaway PostgreSQL server for tests: its own cluster in a temporary folder, listening on
//! 127.0.0.1 on a free port, stopped and deleted at the end.
//!
//! The server programs are Debian's (`apt-get install postgresql`: `initdb`, `pg_ctl`, `psql`
//! under `/usr/lib/postgresql/<version>/bin`, or the folder named by [`BIN_VAR`]). Missing, a
//! test is skipped or fails by the rule of [`crate::missing`]; present but failing to start, it
//! always fails.
//!
//! PostgreSQL refuses to run as root, and CI runs as root: then every server program runs as the
//! unprivileged `postgres` user that Debian's package creates (or `nobody` when there is none),
//! through `runuser -u USER --`, and the cluster's folder is handed to that user. The cluster
//! has one superuser, `hotline`, whose password is required over TCP (`scram-sha-256`), so that
//! a test can check what a refused password looks like.
//!
//! ```no_run
//! let Some(pg) = hotline_testkit::postgres::shared() else { return };
//! let url = pg.create_database("my_test");
//! assert!(url.starts_with("postgres://hotline:"));
//! ```

use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that names the folder of `initdb`, `pg_ctl` and `psql` explicitly.
pub const BIN_VAR: &str = "HOTLINE_PG_BIN";

/// The superuser of the test cluster.
pub const USER: &str = "hotline";

/// A running test cluster. Dropping it stops the server and deletes its folder.
#[derive(Debug)]
pub struct PostgresServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    run_as: Option<String>,
    password: String,
}

/// The folder of the server programs, or `None` (skipped or failing by the rule of
/// [`crate::missing`]).
pub fn bin_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(BIN_VAR).map(PathBuf::from) {
        if dir.join("pg_ctl").is_file() {
            return Some(dir);
        }
        crate::missing(
            &format!("PostgreSQL's pg_ctl in {BIN_VAR}={}", dir.display()),
            "point it at a folder with initdb, pg_ctl and psql",
        );
        return None;
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("pg_ctl").is_file().then_some((version, bin))
        })
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => Some(bin),
        None => {
            crate::missing(
                "PostgreSQL (initdb and pg_ctl under /usr/lib/postgresql/*/bin)",
                "install it with `apt-get install postgresql` or run ./scripts/test.sh",
            );
            None
        }
    }
}

/// The one server of this test process, started on first use and stopped when the process ends
/// (a watcher process stops it then, since statics are never dropped); `None` when PostgreSQL is
/// missing outside CI.
///
/// # Panics
///
/// When PostgreSQL is missing in CI, or is there but does not start.
pub fn shared() -> Option<&'static PostgresServer> {
    static SERVER: OnceLock<Option<PostgresServer>> = OnceLock::new();
    let mut first = false;
    let server = SERVER
        .get_or_init(|| {
            first = true;
            let server = PostgresServer::start()?;
            server.stop_when_process_ends();
            Some(server)
        })
        .as_ref();
    if server.is_none() && !first {
        // Every skipped test says so, not only the first.
        let _ = bin_dir();
    }
    server
}

fn unique() -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port on 127.0.0.1: {e}"))
}

/// The unprivileged user to run the server as when this process is root.
fn unprivileged_user() -> Option<String> {
    let uid = std::fs::metadata("/proc/self").map(|m| m.uid()).unwrap_or(u32::MAX);
    if uid != 0 {
        return None;
    }
    let exists = |user: &str| {
        Command::new("id").arg("-u").arg(user).stdout(Stdio::null()).stderr(Stdio::null()).status()
    };
    Some(if exists("postgres").is_ok_and(|s| s.success()) { "postgres" } else { "nobody" }.into())
}

fn id_of(user: &str, flag: &str) -> u32 {
    let out = Command::new("id")
        .arg(flag)
        .arg(user)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `id {flag} {user}`: {e}"));
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("`id {flag} {user}` printed no number"))
}

fn runuser() -> PathBuf {
    ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| crate::find_on_path("runuser"))
        .unwrap_or_else(|| {
            panic!("running as root needs `runuser` (util-linux) to start PostgreSQL")
        })
}

impl PostgresServer {
    /// Initialises and starts a new cluster; `None` when PostgreSQL is missing outside CI.
    ///
    /// # Panics
    ///
    /// When PostgreSQL is missing in CI, or is there but does not start (the server's log is in
    /// the message).
    pub fn start() -> Option<PostgresServer> {
        let bin = bin_dir()?;
        let run_as = unprivileged_user();
        let dir = std::env::temp_dir().join(format!("hotline-pg-{}", unique()));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        if let Some(user) = &run_as {
            std::os::unix::fs::chown(&dir, Some(id_of(user, "-u")), Some(id_of(user, "-g")))
                .unwrap_or_else(|e| panic!("cannot hand {} to {user}: {e}", dir.display()));
        }
        let password = format!("pw-{}", unique());
        let server = PostgresServer { bin, dir, port: 0, run_as, password };
        let pwfile = server.dir.join("pwfile");
        server.write_as_owner(&pwfile, &server.password);
        server.run(
            "initdb",
            &[
                "-D",
                &server.data().display().to_string(),
                "-U",
                USER,
                &format!("--pwfile={}", pwfile.display()),
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
        );
        let mut server = server;
        for attempt in 0..5 {
            server.port = free_port();
            if server.try_start() {
                return Some(server);
            }
            eprintln!("PostgreSQL did not start on port {} (attempt {attempt})", server.port);
        }
        panic!("PostgreSQL does not start; its log:\n{}", server.log());
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn write_as_owner(&self, path: &Path, text: &str) {
        std::fs::write(path, text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        if let Some(user) = &self.run_as {
            std::os::unix::fs::chown(path, Some(id_of(user, "-u")), Some(id_of(user, "-g")))
                .unwrap_or_else(|e| panic!("cannot hand {} to {user}: {e}", path.display()));
        }
    }

    /// A server program as a command, run as the unprivileged user when this process is root.
    fn command(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut c = Command::new(runuser());
                c.arg("-u").arg(user).arg("--").arg(path);
                c
            }
            None => Command::new(path),
        };
        cmd.current_dir(&self.dir).stdin(Stdio::null());
        cmd
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn try_start(&self) -> bool {
        // The server's output goes to the log file, so that nothing holds the caller's pipes.
        let options = format!("-p {} -h 127.0.0.1 -k {}", self.port, self.dir.display());
        self.command("pg_ctl")
            .args(["-D", &self.data().display().to_string(), "-l"])
            .arg(self.dir.join("log"))
            .args(["-w", "-t", "60", "-o", &options, "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Stops the server (fast shutdown: connections are cut, committed work is kept), for tests
    /// of a server going away.
    ///
    /// # Panics
    ///
    /// When `pg_ctl stop` fails.
    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data().display().to_string(), "-m", "fast", "-w", "stop"]);
    }

    /// Starts the server again after [`PostgresServer::stop`], on the same port.
    ///
    /// # Panics
    ///
    /// When it does not start.
    pub fn restart(&self) {
        assert!(self.try_start(), "PostgreSQL did not start again; its log:\n{}", self.log());
    }

    /// The TCP port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The connection string of `database` as the superuser.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://{USER}:{}@127.0.0.1:{}/{database}", self.password, self.port)
    }

    /// Runs SQL with `psql` as the superuser on `database`, returning what it printed (unaligned,
    /// tuples only).
    ///
    /// # Panics
    ///
    /// When `psql` fails.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        let out = self
            .command("psql")
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1"])
            .args(["-p", &self.port.to_string(), "-U", USER, "-d", database, "-c", sql])
            .env("PGPASSWORD", &self.password)
            .output()
            .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
        assert!(
            out.status.success(),
            "psql `{sql}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates a database named `name` (made unique to this process) and returns its
    /// connection string.
    pub fn create_database(&self, name: &str) -> String {
        let name: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
            .collect();
        let name = format!("{name}_{}", unique().replace('-', "_"));
        self.psql("postgres", &format!("CREATE DATABASE {name}"));
        self.url(&name)
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// Starts a watcher that stops the server and deletes its folder once this process ends
    /// (for a server kept in a static, which is never dropped).
    fn stop_when_process_ends(&self) {
        let stop = self.stop_command();
        let script =
            format!("while kill -0 {} 2>/dev/null; do sleep 0.5; done; {stop}", std::process::id());
        let spawned = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn();
        if let Err(e) = spawned {
            eprintln!("cannot start the watcher that stops PostgreSQL at the end: {e}");
        }
    }

    /// A shell command that stops the server at once and deletes its folder.
    fn stop_command(&self) -> String {
        let pg_ctl = self.bin.join("pg_ctl");
        let data = self.data();
        let stop = match &self.run_as {
            Some(user) => format!(
                "{} -u {user} -- '{}' -D '{}' -m immediate stop",
                runuser().display(),
                pg_ctl.display(),
                data.display()
            ),
            None => format!("'{}' -D '{}' -m immediate stop", pg_ctl.display(), data.display()),
        };
        format!("{stop} >/dev/null 2>&1; rm -rf '{}'", self.dir.display())
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        let _ = Command::new("sh")
            .arg("-c")
            .arg(self.stop_command())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
