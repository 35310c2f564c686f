//! One run identity: which runs are runs of the same suite against the
//! same system. History (`comparable_before`, `history --suite`, trends) and
//! the audit (its fallback comparison, retention, hence its alerts) all ask
//! this module, so "the same suite" cannot mean two things.
//!
//! - The **suite key** is the suite folder resolved (`bud`, `./bud`, `bud/`
//!   and its absolute path are one suite), shown relative to the current
//!   folder when it lies inside it — so machines that share a PostgreSQL
//!   history and run `touchpoint run suites/acme` from a checkout agree —
//!   and absolute otherwise.
//! - The **target key** is the target URL; a loopback target's port is
//!   dropped (the embedded demo and local test servers pick a free port on
//!   every start, and those runs are still runs against the same system).

use std::path::{Component, Path, PathBuf};

/// The suite as runs are compared by; see the module docs.
pub fn suite_key(suite: &str) -> String {
    let trimmed = suite.trim_end_matches(['/', '\\']);
    let given = Path::new(if trimmed.is_empty() { suite } else { trimmed });
    let cwd = std::env::current_dir().ok();
    let absolute = match &cwd {
        Some(cwd) if !given.is_absolute() => cwd.join(given),
        _ => given.to_path_buf(),
    };
    let resolved = std::fs::canonicalize(&absolute).unwrap_or_else(|_| lexical(&absolute));
    let base = cwd.map(|c| std::fs::canonicalize(&c).unwrap_or_else(|_| lexical(&c)));
    match base.as_deref().and_then(|b| resolved.strip_prefix(b).ok()) {
        Some(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        _ => resolved.display().to_string(),
    }
}

/// The target as runs are compared by; see the module docs.
pub fn target_key(target: &str) -> String {
    match reqwest::Url::parse(target) {
        Ok(mut url)
            if url.host_str().is_some_and(|h| {
                h == "localhost" || h.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()) || h == "[::1]"
            }) =>
        {
            let _ = url.set_port(None);
            format!("{} (loopback, any port)", url.as_str().trim_end_matches('/'))
        }
        _ => target.to_string(),
    }
}

/// Whether two recorded runs (their header's or verdict's `suite` and
/// `target`) are runs of the same suite against the same system.
pub fn same_run_identity(a: (&str, &str), b: (&str, &str)) -> bool {
    suite_key(a.0) == suite_key(b.0) && target_key(a.1) == target_key(b.1)
}

/// `.` and `..` removed without touching the disk (for a suite folder that
/// no longer exists).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_suite_folder_are_one_suite() {
        let cwd = std::env::current_dir().unwrap();
        let abs = cwd.join("scenarios/acme").display().to_string();
        let key = suite_key("scenarios/acme");
        assert_eq!(key, "scenarios/acme");
        for spelling in ["./scenarios/acme", "scenarios/acme/", "scenarios/./acme", "src/../scenarios/acme", &abs] {
            assert_eq!(suite_key(spelling), key, "{spelling}");
        }
        // A folder that is gone is still resolved the same way.
        assert_eq!(suite_key("./gone/bud/"), suite_key("gone/bud"));
        assert_eq!(suite_key("gone/bud"), "gone/bud");
        assert_ne!(suite_key("gone/bud"), suite_key("gone/bud2"));
        // Outside the current folder: absolute.
        assert!(Path::new(&suite_key("/tmp/elsewhere/bud")).is_absolute());
    }

    #[test]
    fn loopback_ports_are_ignored_other_targets_kept() {
        assert_eq!(target_key("http://127.0.0.1:41234"), target_key("http://127.0.0.1:5555"));
        assert_eq!(target_key("https://staging.example.com:8443"), "https://staging.example.com:8443");
        assert!(same_run_identity(("./bud", "http://localhost:1"), ("bud/", "http://localhost:2")));
        assert!(!same_run_identity(("bud", "https://a.example"), ("bud", "https://b.example")));
    }
}
