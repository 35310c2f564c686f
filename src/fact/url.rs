//! Web addresses. Two addresses agree when they lead to the same page for a
//! customer: scheme, `www.` and host case are ignored, as are a trailing
//! slash, a default port and tracking parameters (`utm_*`, `gclid`,
//! `fbclid`, …); the path and the rest of the query are compared exactly.
//! Held as `host/path?query`, e.g. `acme.com/returns`.

use once_cell::sync::Lazy;
use regex::Regex;

use super::{FactValue, Found};

/// With a scheme or `www.`, anything up to whitespace. A bare domain alone
/// only with a common top-level domain, so "e.g." and "29.99" are not
/// addresses; a bare domain followed by a path ("skylark.aero/manage") with
/// any top-level domain of two or more lower-case letters — "e.g./i.e."
/// and "9.5/10" have none.
static URL: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)\b(?:https?://|www\.)[^\s<>\x22'()\[\]{}]+|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?:com|org|net|io|co\.uk|org\.uk|uk|ie|eu|de|fr|es|it|nl|be|at|ch|se|dk|no|fi|pl|pt|au|nz|ca|us|co|info|biz|app|dev|help|shop|online|travel|aero|bank|example)\b(?:/[^\s<>\x22'()\[\]{}]*)?|\b[a-z0-9][a-z0-9\-]*(?:\.[a-z0-9\-]+)*\.(?-i:[a-z]{2,24})/[a-z0-9][^\s<>\x22'()\[\]{}]*",
    )
    .expect("valid url regex")
});

pub(crate) fn extract(text: &str) -> Vec<Found> {
    URL.find_iter(text)
        .filter_map(|m| {
            // The domain of an email address is not a web address.
            if text[..m.start()].ends_with(|c: char| c == '@' || c == '.' || c.is_alphanumeric()) {
                return None;
            }
            let raw = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if text[m.start() + raw.len()..].starts_with('@') {
                return None;
            }
            let normalised = normalise(raw)?;
            Found::new(text, m.start()..m.start() + raw.len(), FactValue::Url(normalised))
        })
        .collect()
}

fn normalise(raw: &str) -> Option<String> {
    let lower_scheme = raw.to_ascii_lowercase();
    let rest = ["https://", "http://"]
        .iter()
        .find_map(|scheme| lower_scheme.starts_with(scheme).then(|| &raw[scheme.len()..]))
        .unwrap_or(raw);
    let (host, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let host = host.strip_suffix(":80").or_else(|| host.strip_suffix(":443")).unwrap_or(host);
    if host.is_empty() {
        return None;
    }
    // The fragment never changes which page is served.
    let path = path.split('#').next().unwrap_or("");
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let kept: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !is_tracking(p)).collect();
    let path = path.trim_end_matches('/');
    if kept.is_empty() {
        Some(format!("{host}{path}"))
    } else {
        Some(format!("{host}{path}?{}", kept.join("&")))
    }
}

/// Parameters that say where a click came from, never which page it opens.
fn is_tracking(param: &str) -> bool {
    let name = param.split('=').next().unwrap_or("").to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "gclid"
                | "fbclid"
                | "msclkid"
                | "dclid"
                | "gbraid"
                | "wbraid"
                | "mc_cid"
                | "mc_eid"
                | "_ga"
                | "_gl"
                | "yclid"
                | "igshid"
                | "ref_src"
                | "ref"
                | "cmpid"
                | "s_cid"
        )
}
