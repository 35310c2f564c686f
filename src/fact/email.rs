//! Email addresses, compared case-insensitively: `Help@Acme.com` is
//! `help@acme.com`. (The local part is case-sensitive in theory and never
//! in practice.) Addresses written to fool harvesters are read too:
//! "help [at] acme.co.uk", "help (at) acme (dot) co (dot) uk".

use once_cell::sync::Lazy;
use regex::Regex;

use super::{FactValue, Found};

static EMAIL: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}\b").expect("valid email regex")
});

/// "help [at] acme.co.uk", "help(at)acme(dot)co(dot)uk", "help at acme dot com".
static OBFUSCATED: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)\b(?P<local>[a-z0-9._%+\-]+)\s*(?:\[\s*at\s*\]|\(\s*at\s*\)|\{\s*at\s*\}|\s+at\s+)\s*(?P<domain>[a-z0-9\-]+(?:\s*(?:\.|\[\s*dot\s*\]|\(\s*dot\s*\)|\s+dot\s+)\s*[a-z0-9\-]+)+)\b",
    )
    .expect("valid regex")
});

static DOT: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?i)\s*(?:\.|\[\s*dot\s*\]|\(\s*dot\s*\)|\s+dot\s+)\s*").expect("valid regex"));

pub(crate) fn extract(text: &str) -> Vec<Found> {
    let mut out: Vec<Found> = EMAIL
        .find_iter(text)
        .filter_map(|m| {
            let range = m.range();
            let value = FactValue::Email(m.as_str().to_lowercase());
            Found::new(text, range, value)
        })
        .collect();
    for caps in OBFUSCATED.captures_iter(text) {
        let (Some(whole), Some(local), Some(domain)) = (caps.get(0), caps.name("local"), caps.name("domain")) else {
            continue;
        };
        // "at" between plain words ("call us at home") is not an address:
        // the spelled-out form needs a bracketed [at] or a spelled [dot].
        let bracketed = whole.as_str().contains(['[', '(', '{']);
        let spelled_dot = domain.as_str().to_lowercase().contains("dot");
        let parts: Vec<&str> = DOT.split(domain.as_str()).collect();
        let tld = parts.last().copied().unwrap_or("");
        let tld_ok = tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic());
        if !(bracketed || spelled_dot)
            || !tld_ok
            || out.iter().any(|f| f.span.start < whole.end() && whole.start() < f.span.end)
        {
            continue;
        }
        let address = format!("{}@{}", local.as_str(), parts.join(".")).to_lowercase();
        out.extend(Found::new(text, whole.range(), FactValue::Email(address)));
    }
    out.sort_by_key(|f| f.span.start);
    out
}
