//! The run history in PostgreSQL (`--history postgres://…`): the same runs
//! and findings as the SQLite index (`db.rs`), in one database that audits
//! and shards on many machines share. Like the SQLite file it is an index,
//! rebuilt from run folders by `touchpoint analyze`.
//!
//! - Schema changes are numbered migrations, each applied once and recorded
//!   in `schema_migrations`; a database migrated by a newer touchpoint is
//!   refused, never written.
//! - Merge-safe: indexing a run is one transaction holding a transaction-
//!   scoped advisory lock, so two machines finishing at once serialise —
//!   each reads the runs before it and upserts its own (`ON CONFLICT`), and
//!   no run is lost or written twice. Migrating takes the same lock.
//! - Times are stored as the SQLite index stores them (RFC 3339 UTC text,
//!   fixed precision): text order is time order, and values come back
//!   exactly as written, to the nanosecond.
//!
//! The client is the synchronous `postgres` crate (TLS by rustls, with the
//! Mozilla roots). It runs its own small runtime, so every operation runs on
//! a thread of its own when called from inside tokio ([`off_runtime`]).

use super::changes::{FindingRef, RunRef};
use super::db::{kind_name, parse_time, saturating_i64, time_text, HistoryError, Lookup, RunRow};
use crate::verdict::Verdict;
use chrono::Utc;
use postgres::error::SqlState;
use postgres::{Client, Config, Transaction};
use std::cell::RefCell;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// The schema, one step per migration, in order. Never edit a step that has
/// shipped: add the next one.
const MIGRATIONS: &[(i64, &str)] = &[(
    1,
    "CREATE TABLE runs (
        run_id       TEXT PRIMARY KEY,
        suite        TEXT NOT NULL,
        company      TEXT NOT NULL,
        suite_digest TEXT NOT NULL,
        target       TEXT NOT NULL,
        started_at   TEXT NOT NULL,
        finished_at  TEXT,
        complete     BOOLEAN NOT NULL,
        exchanges    BIGINT NOT NULL,
        errors       BIGINT NOT NULL,
        score        DOUBLE PRECISION,
        findings     BIGINT NOT NULL,
        indexed_at   TEXT NOT NULL
    );
    CREATE INDEX runs_by_suite ON runs (suite, target, started_at);
    CREATE TABLE findings (
        run_id   TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
        id       TEXT NOT NULL,
        kind     TEXT NOT NULL,
        severity TEXT NOT NULL,
        channel  TEXT,
        question TEXT,
        fact     TEXT,
        summary  TEXT NOT NULL,
        PRIMARY KEY (run_id, id)
    );
    CREATE INDEX findings_by_id ON findings (id);",
)];

/// The newest schema this touchpoint knows.
pub const SCHEMA: i64 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The advisory lock every touchpoint takes to migrate or index ("touchpoi").
const LOCK: i64 = 0x746f_7563_6870_6f69;

/// How long to wait for another touchpoint's lock, or for the server.
const WAIT: Duration = Duration::from_secs(30);

/// Indexes the verdict's run in the PostgreSQL history at `url` (replacing
/// an earlier indexing of the same run) and sets `verdict.changes`.
pub fn index(url: &str, verdict: &mut Verdict) -> Result<(), HistoryError> {
    off_runtime(|| {
        let shown = shown(url);
        let mut client = connect(url)?;
        migrate(&mut client, &shown)?;
        let mut tx = client.transaction().map_err(|e| classify(&shown, e))?;
        lock(&mut tx, &shown)?;
        let run = RunRow::from(&*verdict);
        let lookup = Tx { tx: RefCell::new(tx), shown: shown.clone() };
        verdict.changes = super::changes(&lookup, &run, verdict.findings.iter().map(|f| f.id.as_str()), true)?;
        let mut tx = lookup.tx.into_inner();
        upsert(&mut tx, verdict).map_err(|e| classify(&shown, e))?;
        tx.commit().map_err(|e| classify(&shown, e))
    })
}

/// The runs in the history at `url`, newest first, with what changed in each.
pub fn list(url: &str, suite: Option<&str>, limit: usize) -> Result<Vec<super::Entry>, HistoryError> {
    off_runtime(|| {
        let shown = shown(url);
        let mut client = connect(url)?;
        migrate(&mut client, &shown)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = client
            .query(
                "SELECT run_id, suite, company, suite_digest, target, started_at, finished_at, complete, exchanges,
                        errors, score, findings
                 FROM runs WHERE $1::TEXT IS NULL OR suite = $1 OR lower(company) = lower($1)
                 ORDER BY started_at DESC, run_id DESC LIMIT $2",
                &[&suite.map(super::identity::suite_key), &limit],
            )
            .map_err(|e| classify(&shown, e))?;
        let runs = rows.iter().map(|r| run_row(r, &shown)).collect::<Result<Vec<_>, _>>()?;
        let tx = client.transaction().map_err(|e| classify(&shown, e))?;
        let lookup = Tx { tx: RefCell::new(tx), shown: shown.clone() };
        super::entries(&lookup, runs)
    })
}

/// Runs `f` where the synchronous client may start its own runtime: on a
/// scoped thread when called from inside tokio, else right here.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn connect(url: &str) -> Result<Client, HistoryError> {
    let shown = shown(url);
    let mut config = Config::from_str(url)
        .map_err(|e| HistoryError::Unreachable { url: shown.clone(), detail: format!("not a PostgreSQL URL: {e}") })?;
    config.connect_timeout(WAIT);
    if config.get_application_name().is_none() {
        config.application_name("touchpoint");
    }
    let client = config
        .connect(tls(&shown)?)
        .map_err(|e| HistoryError::Unreachable { url: shown.clone(), detail: error_text(&e) })?;
    Ok(client)
}

/// TLS when the server offers it (`sslmode=prefer`, the default) or the URL
/// demands it (`sslmode=require`), verified against the Mozilla roots.
fn tls(shown: &str) -> Result<tokio_postgres_rustls::MakeRustlsConnect, HistoryError> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| HistoryError::Other { path: shown.to_string(), detail: format!("TLS: {e}") })?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// Applies the migrations this database has not had, under the lock, each
/// recorded in `schema_migrations`.
fn migrate(client: &mut Client, shown: &str) -> Result<(), HistoryError> {
    let err = |e| classify(shown, e);
    let mut tx = client.transaction().map_err(err)?;
    lock(&mut tx, shown)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version    BIGINT PRIMARY KEY,
            applied_at TEXT NOT NULL
        )",
    )
    .map_err(err)?;
    let applied: Option<i64> = tx.query_one("SELECT max(version) FROM schema_migrations", &[]).map_err(err)?.get(0);
    let applied = applied.unwrap_or(0);
    if applied > SCHEMA {
        return Err(HistoryError::Newer { path: shown.to_string(), found: applied, known: SCHEMA });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > applied) {
        tx.batch_execute(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
            &[version, &time_text(Utc::now())],
        )
        .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// Takes the history's lock until the transaction ends; waits at most [`WAIT`].
fn lock(tx: &mut Transaction<'_>, shown: &str) -> Result<(), HistoryError> {
    let err = |e| classify(shown, e);
    tx.batch_execute(&format!("SET LOCAL lock_timeout = '{}s'", WAIT.as_secs())).map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK]).map_err(err)?;
    Ok(())
}

fn upsert(tx: &mut Transaction<'_>, v: &Verdict) -> Result<(), postgres::Error> {
    let row = RunRow::from(v);
    tx.execute(
        "INSERT INTO runs (run_id, suite, company, suite_digest, target, started_at, finished_at, complete, exchanges,
                           errors, score, findings, indexed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         ON CONFLICT (run_id) DO UPDATE SET
           suite = excluded.suite, company = excluded.company, suite_digest = excluded.suite_digest,
           target = excluded.target, started_at = excluded.started_at, finished_at = excluded.finished_at,
           complete = excluded.complete, exchanges = excluded.exchanges, errors = excluded.errors,
           score = excluded.score, findings = excluded.findings, indexed_at = excluded.indexed_at",
        &[
            &row.run_id,
            &row.suite,
            &row.company,
            &row.suite_digest,
            &row.target,
            &time_text(row.started_at),
            &row.finished_at.map(time_text),
            &row.complete,
            &saturating_i64(row.exchanges),
            &saturating_i64(row.errors),
            &row.score,
            &saturating_i64(row.findings),
            &time_text(Utc::now()),
        ],
    )?;
    tx.execute("DELETE FROM findings WHERE run_id = $1", &[&row.run_id])?;
    let insert = tx.prepare(
        "INSERT INTO findings (run_id, id, kind, severity, channel, question, fact, summary)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )?;
    for f in &v.findings {
        tx.execute(
            &insert,
            &[&row.run_id, &f.id, &kind_name(f.kind), &f.severity.name(), &f.channel, &f.question, &f.fact, &f.summary],
        )?;
    }
    Ok(())
}

/// Reading earlier runs inside a transaction.
struct Tx<'a> {
    tx: RefCell<Transaction<'a>>,
    shown: String,
}

impl Lookup for Tx<'_> {
    fn comparable_before(&self, run: &RunRow) -> Result<Vec<RunRef>, HistoryError> {
        let rows = self
            .tx
            .borrow_mut()
            .query(
                "SELECT run_id, started_at FROM runs
                 WHERE suite = $1 AND target = $2 AND complete AND run_id <> $3
                   AND (started_at < $4 OR (started_at = $4 AND run_id < $3))
                 ORDER BY started_at DESC, run_id DESC",
                &[&run.suite, &run.target, &run.run_id, &time_text(run.started_at)],
            )
            .map_err(|e| classify(&self.shown, e))?;
        rows.iter()
            .map(|r| Ok(RunRef { run_id: r.get(0), started_at: time(&r.get::<_, String>(1), &self.shown)? }))
            .collect()
    }

    fn findings(&self, run_id: &str) -> Result<Vec<FindingRef>, HistoryError> {
        let rows = self
            .tx
            .borrow_mut()
            .query(
                "SELECT id, kind, severity, channel, question, fact, summary FROM findings WHERE run_id = $1",
                &[&run_id],
            )
            .map_err(|e| classify(&self.shown, e))?;
        let mut out = rows
            .iter()
            .map(|r| {
                Ok(FindingRef {
                    id: r.get(0),
                    kind: named(&r.get::<_, String>(1), &self.shown)?,
                    severity: named(&r.get::<_, String>(2), &self.shown)?,
                    channel: r.get(3),
                    question: r.get(4),
                    fact: r.get(5),
                    summary: r.get(6),
                })
            })
            .collect::<Result<Vec<_>, HistoryError>>()?;
        out.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }
}

fn run_row(r: &postgres::Row, shown: &str) -> Result<RunRow, HistoryError> {
    let count = |i: usize| r.get::<_, i64>(i).max(0) as u64;
    Ok(RunRow {
        run_id: r.get(0),
        suite: r.get(1),
        company: r.get(2),
        suite_digest: r.get(3),
        target: r.get(4),
        started_at: time(&r.get::<_, String>(5), shown)?,
        finished_at: r.get::<_, Option<String>>(6).map(|t| time(&t, shown)).transpose()?,
        complete: r.get(7),
        exchanges: count(8),
        errors: count(9),
        score: r.get(10),
        findings: count(11),
    })
}

fn time(text: &str, shown: &str) -> Result<chrono::DateTime<Utc>, HistoryError> {
    parse_time(text)
        .map_err(|e| HistoryError::Corrupt { path: shown.to_string(), detail: format!("time {text:?}: {e}") })
}

/// A kind or severity stored by its serde name.
fn named<T: serde::de::DeserializeOwned>(text: &str, shown: &str) -> Result<T, HistoryError> {
    serde_json::from_value(serde_json::Value::String(text.to_string()))
        .map_err(|e| HistoryError::Corrupt { path: shown.to_string(), detail: format!("{text:?}: {e}") })
}

/// The database as named in messages: never the password.
pub fn shown(url: &str) -> String {
    let Ok(config) = Config::from_str(url) else { return "the PostgreSQL history (an unreadable URL)".into() };
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(path) => path.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{host}:{port}/{db}")
}

/// The server's message when there is one (it says what is wrong), else the client's.
fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        }
    }
}

fn classify(shown: &str, e: postgres::Error) -> HistoryError {
    let path = shown.to_string();
    match e.code() {
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::T_R_DEADLOCK_DETECTED => {
            HistoryError::Locked { path }
        }
        Some(c) if *c == SqlState::UNDEFINED_TABLE || *c == SqlState::UNDEFINED_COLUMN => {
            HistoryError::Corrupt { path, detail: error_text(&e) }
        }
        _ if e.is_closed() => HistoryError::Unreachable { url: path, detail: error_text(&e) },
        _ => HistoryError::Other { path, detail: error_text(&e) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        let s = shown("postgres://audit:s3cret@db.internal:6432/touchpoint?sslmode=require");
        assert_eq!(s, "postgres://audit@db.internal:6432/touchpoint");
        assert!(!shown("host=db user=a password=s3cret dbname=h").contains("s3cret"));
        assert!(!shown("postgres://a:s3cret@[bad").contains("s3cret"));
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        assert!(MIGRATIONS.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(MIGRATIONS[0].0, 1);
    }
}
