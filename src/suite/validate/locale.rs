//! Locales: a persona's or channel's `locale` tag is one touchpoint holds
//! defaults for, and the map's `[locale]` names a currency the money reader
//! knows and a calling code. An unknown locale is an error, never a silent
//! fallback to the suite's: it would read "29.99" in the wrong currency.

use super::*;
use crate::fact::Locale;

impl Checker<'_> {
    /// `whose`: "persona `sam`", "channel `chat`".
    pub(super) fn locale_tag(&mut self, file: FileId, at: Vec<Seg>, tag: &str, whose: &str) {
        if Locale::from_tag(tag).is_some() {
            return;
        }
        let tags: Vec<&str> = Locale::SUPPORTED.iter().map(|(t, _, _)| *t).collect();
        let list = format!("supported locales: {}", tags.join(", "));
        let hint = match did_you_mean(tag, tags.iter().copied()) {
            Some(guess) => format!("{guess} ({list})"),
            None => list,
        };
        self.err(file, at, format!("unknown locale `{tag}` for {whose}"), "not a supported locale", Some(hint));
    }

    /// The map's `[locale]`: its currency and calling code.
    pub(super) fn map_locale(&mut self, file: FileId, map: &Map) {
        let currency = map.locale.currency.trim();
        if !fact::currencies().any(|c| c.eq_ignore_ascii_case(currency)) {
            let known: Vec<&str> = fact::currencies().collect();
            let list = format!("known currencies: {}", known.join(", "));
            let upper = currency.to_ascii_uppercase();
            // Three-letter codes are too short for similarity scores: one
            // typo or swapped pair away.
            let close = known.iter().find(|k| strsim::damerau_levenshtein(&upper, k) <= 1);
            let hint = match close.map(|k| format!("did you mean `{k}`?")) {
                Some(guess) => format!("{guess} ({list})"),
                None => list,
            };
            self.err(
                file,
                path!["locale", "currency"],
                format!("unknown currency `{currency}`"),
                "not an ISO 4217 code touchpoint reads",
                Some(hint),
            );
        }
        let code = map.locale.country_code.trim().trim_start_matches('+');
        if code.is_empty() || code.len() > 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            self.err(
                file,
                path!["locale", "country_code"],
                format!("`{}` is not a calling code", map.locale.country_code),
                "not 1–3 digits",
                Some("write the country's calling code without `+`, e.g. `44` for the UK or `1` for the US".into()),
            );
        }
    }
}
