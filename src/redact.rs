//! Secrets come from environment variables; their values never reach a
//! record or a report. Redaction replaces each value with `***`.

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret containing another is replaced whole.
    secrets: Vec<String>,
}

/// Values shorter than this are not treated as secrets: replacing every
/// "1" or "on" in a record would destroy it and protect nothing.
const MIN_SECRET_LEN: usize = 4;

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut secrets: Vec<String> = values.into_iter().filter(|v| v.len() >= MIN_SECRET_LEN).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    /// The values of the named environment variables that are set.
    pub fn from_env<'a>(names: impl IntoIterator<Item = &'a String>) -> Self {
        Self::new(names.into_iter().filter_map(|n| std::env::var(n).ok()))
    }

    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_longest_first_and_ignores_short_values() {
        let r = Redactor::new(["tok".to_string(), "secret-token".into(), "secret".into()]);
        assert_eq!(r.redact("Bearer secret-token and secret, tok"), "Bearer *** and ***, tok");
    }
}
