//! Facts: each value read as its kind, and each option meaning something
//! for that kind — `not` (alternatives a text fact must not be confused
//! with) only on text facts, `qualifier` (EAR, per day, working days) only
//! on money, durations and percentages. An option that means nothing for
//! the kind is an error where it is written, never silently ignored.

use super::*;
use crate::fact::FactKind;

/// The kinds a `qualifier` changes the meaning of.
const QUALIFIED: [FactKind; 3] = [FactKind::Money, FactKind::Duration, FactKind::Percent];

impl Checker<'_> {
    pub(super) fn facts(&mut self, file: FileId, map: &Map) {
        let locale =
            fact::Locale { currency: map.locale.currency.clone(), country_code: map.locale.country_code.clone() };
        for (id, f) in &map.facts {
            let kind = f.kind.name();
            if !f.not.is_empty() && f.kind != FactKind::Text {
                self.err(
                    file,
                    path!["facts", id.as_str(), "not"],
                    format!("`not` means nothing for fact `{id}` of kind {kind}"),
                    "only text facts list alternatives",
                    Some(format!(
                        "remove `not`: any other {kind} an answer states for this fact is already wrong; \
                         `not` names what a text fact must not be confused with"
                    )),
                );
            }
            let qualifier = f.qualifier.as_deref().map(str::trim).filter(|q| !q.is_empty());
            if qualifier.is_some() && !QUALIFIED.contains(&f.kind) {
                self.err(
                    file,
                    path!["facts", id.as_str(), "qualifier"],
                    format!("`qualifier` means nothing for fact `{id}` of kind {kind}"),
                    "only money, durations and percentages take a qualifier",
                    Some("remove `qualifier`, or write what it says in the value or the label".into()),
                );
            }
            // The value alone first, so a qualifier's problem is shown where it is written.
            let mut spec = f.spec(id);
            spec.qualifier = None;
            if let Err(why) = fact::parse_expected(&spec, &f.value, &locale) {
                self.err(
                    file,
                    path!["facts", id.as_str(), "value"],
                    format!("the value of fact `{id}` is not a valid {kind}"),
                    "cannot read this value",
                    Some(why),
                );
                continue;
            }
            if let (Some(q), true) = (qualifier, QUALIFIED.contains(&f.kind)) {
                if let Err(why) = fact::parse_expected(&f.spec(id), &f.value, &locale) {
                    self.err(
                        file,
                        path!["facts", id.as_str(), "qualifier"],
                        format!("the qualifier `{q}` of fact `{id}` does not fit its value"),
                        "cannot apply this qualifier",
                        Some(why),
                    );
                }
            }
        }
    }
}
