//! A real, throwaway PostgreSQL for the history tests.
//!
//! With `TOUCHPOINT_TEST_POSTGRES_URL` set (a server whose user may create
//! databases), each test gets a fresh database on it, dropped afterwards.
//! Otherwise the server's own binaries (`/usr/lib/postgresql/<version>/bin`,
//! Debian's `postgresql` package, which `.ci/run` installs) start a new
//! cluster in a temp folder on a free loopback port, stopped when the test
//! ends. As root, the server runs as the `postgres` user the package made.
//! No PostgreSQL: the test fails saying how to get one.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "PostgreSQL is needed for the history tests on PostgreSQL and was not found \
     (no /usr/lib/postgresql/<version>/bin/postgres, no TOUCHPOINT_TEST_POSTGRES_URL). Install it with \
     `sudo apt-get install postgresql` (Debian/Ubuntu; .ci/run does this), or point \
     TOUCHPOINT_TEST_POSTGRES_URL at a server where the user may create databases.";

pub struct TestPostgres {
    /// A database of its own for this test.
    pub url: String,
    server: Option<(Child, tempfile::TempDir)>,
    /// With an external server: (its URL, the database to drop).
    external: Option<(String, String)>,
}

impl TestPostgres {
    pub fn start() -> TestPostgres {
        if let Ok(base) = std::env::var("TOUCHPOINT_TEST_POSTGRES_URL") {
            let name = format!("touchpoint_test_{}_{}", std::process::id(), unique());
            admin(&base, &format!("CREATE DATABASE {name}"));
            let url = with_database(&base, &name);
            return TestPostgres { url, server: None, external: Some((base, name)) };
        }
        let bin = binaries().unwrap_or_else(|| panic!("{INSTALL}"));
        let dir = tempfile::Builder::new().prefix("touchpoint-pg").tempdir().expect("a temp folder");
        let data = dir.path().join("data");
        let as_root = is_root();
        if as_root {
            // initdb and postgres refuse to run as root.
            let status = Command::new("chown").arg("postgres:postgres").arg(dir.path()).status();
            assert!(status.is_ok_and(|s| s.success()), "cannot hand {} to the postgres user", dir.path().display());
        }
        let run = |program: &Path| {
            let mut c = if as_root {
                let mut c = Command::new("runuser");
                c.args(["-u", "postgres", "--"]).arg(program);
                c
            } else {
                Command::new(program)
            };
            c.current_dir(dir.path());
            c
        };
        let out = run(&bin.join("initdb"))
            .args(["--auth=trust", "--username=postgres", "--encoding=UTF8", "--no-sync", "-D"])
            .arg(&data)
            .output()
            .expect("initdb runs");
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        let port = free_port();
        let child = run(&bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .args(["-c", "full_page_writes=off", "-c", "synchronous_commit=off"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.path().display()))
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(dir.path().join("server.log")).expect("a log file")))
            .spawn()
            .expect("postgres starts");
        let mut pg = TestPostgres {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            server: Some((child, dir)),
            external: None,
        };
        pg.wait_ready();
        pg
    }

    fn wait_ready(&mut self) {
        let started = Instant::now();
        loop {
            let url = self.url.clone();
            if off_runtime(move || postgres::Client::connect(&url, postgres::NoTls).is_ok()) {
                return;
            }
            if let Some((child, dir)) = &mut self.server {
                if let Ok(Some(status)) = child.try_wait() {
                    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
                    panic!("postgres exited ({status}):\n{log}");
                }
            }
            assert!(started.elapsed() < Duration::from_secs(30), "postgres did not accept connections in 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TestPostgres {
    fn drop(&mut self) {
        if let Some((base, name)) = self.external.take() {
            admin(&base, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
        if let Some((mut child, _dir)) = self.server.take() {
            // SIGINT: "fast" shutdown (disconnect clients, exit).
            let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding a server.
fn binaries() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            (bin.join("postgres").is_file() && bin.join("initdb").is_file()).then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address").port()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The synchronous client starts a runtime of its own: never on a tokio thread.
fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::spawn(f).join().expect("the PostgreSQL helper thread")
}

fn admin(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    off_runtime(move || admin_here(&url, &sql))
}

fn admin_here(url: &str, sql: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot connect to TOUCHPOINT_TEST_POSTGRES_URL: {e}"));
    client.batch_execute(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[authority_end..].find('/').map(|i| authority_end + i).unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}
