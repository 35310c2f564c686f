//! Email addresses, compared case-insensitively: `Help@Acme.com` is
//! `help@acme.com`. (The local part is case-sensitive in theory and never
//! in practice.)

use once_cell::sync::Lazy;
use regex::Regex;

use super::{FactValue, Found};

static EMAIL: Lazy<Regex> = Lazy::new(|| {
    Regex::new(r"(?i)\b[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}\b").expect("valid email regex")
});

pub(crate) fn extract(text: &str) -> Vec<Found> {
    EMAIL
        .find_iter(text)
        .filter_map(|m| {
            let range = m.range();
            let value = FactValue::Email(m.as_str().to_lowercase());
            Found::new(text, range, value)
        })
        .collect()
}
