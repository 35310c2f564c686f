//! Forbidden claims from map.toml's `[[forbidden]]`: words, a regex, or a
//! value of a fact's kind that no channel may state (an old price, a
//! withdrawn promise, a competitor's name, "guaranteed"). A fact value is
//! compared by meaning with the fact kind's own comparison, so a forbidden
//! "£24.99" also catches "24.99 GBP a month".

use super::Hit;
use crate::fact::{self, FactSpec, FactValue, Locale};
use crate::suite::hygiene::Forbidden;
use crate::suite::Map;
use crate::verdict::Severity;
use regex::{Regex, RegexBuilder};

/// One rule, compiled.
#[derive(Debug)]
pub struct Rule {
    /// `[[forbidden]] id`, or `forbidden-<n>`.
    pub id: String,
    pub reason: Option<String>,
    /// What is forbidden, for the reader: "“guaranteed”", "£24.99".
    pub shown: String,
    matcher: Matcher,
}

#[derive(Debug)]
enum Matcher {
    Pattern(Regex),
    Value(FactSpec, FactValue),
}

/// Compiles the map's rules; a rule `check` would reject is skipped.
pub fn rules(map: &Map, locale: &Locale) -> Vec<Rule> {
    map.forbidden.iter().enumerate().filter_map(|(i, f)| rule(i, f, map, locale)).collect()
}

fn rule(i: usize, f: &Forbidden, map: &Map, locale: &Locale) -> Option<Rule> {
    let (matcher, shown) = if let Some(text) = &f.text {
        let words: Vec<String> = text.split_whitespace().map(regex::escape).collect();
        if words.is_empty() {
            return None;
        }
        // Word boundaries only where the text starts or ends with a word character.
        let lead = if text.trim_start().starts_with(|c: char| c.is_alphanumeric()) { r"\b" } else { "" };
        let tail = if text.trim_end().ends_with(|c: char| c.is_alphanumeric()) { r"\b" } else { "" };
        let pattern = format!(r"{lead}{}{tail}", words.join(r"\s+"));
        let re = RegexBuilder::new(&pattern).case_insensitive(true).build().ok()?;
        (Matcher::Pattern(re), format!("“{}”", text.trim()))
    } else if let Some(re) = &f.regex {
        let re = Regex::new(re).ok().filter(|r| !r.is_match(""))?;
        (Matcher::Pattern(re), format!("/{}/", f.regex.as_deref().unwrap_or_default()))
    } else {
        let def = map.facts.get(f.fact.as_deref()?)?;
        let spec = FactSpec { keywords: def.keywords.clone(), ..FactSpec::new(def.kind) };
        let value = fact::parse_expected(&spec, f.value.as_deref()?, locale).ok()?;
        let shown = value.display();
        (Matcher::Value(spec, value), shown)
    };
    Some(Rule { id: f.name(i), reason: f.reason.clone(), shown, matcher })
}

impl Rule {
    /// The first place `text` makes this claim.
    pub fn find(&self, text: &str, locale: &Locale) -> Option<Hit> {
        let span = match &self.matcher {
            Matcher::Pattern(re) => re.find(text).map(|m| m.range()),
            Matcher::Value(spec, value) => {
                fact::extract(spec, text, locale).into_iter().find(|found| found.value.agrees(value)).map(|f| f.span)
            }
        }?;
        let what = format!("the forbidden claim {}", self.shown);
        Some(Hit::new(span, what, Severity::High))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(extra: &str) -> Map {
        let text =
            format!("name = \"Acme\"\n[facts.monthly_price]\nkind = \"money\"\nvalue = \"£29.99 per month\"\n{extra}");
        toml::from_str(&text).expect("map")
    }

    fn locale() -> Locale {
        Locale { currency: "GBP".into(), country_code: "44".into() }
    }

    #[test]
    fn text_regex_and_fact_values() {
        let m = map(
            "[[forbidden]]\ntext = \"guaranteed\"\n[[forbidden]]\nregex = \"(?i)price\\\\s+freeze\"\n[[forbidden]]\nid = \"old-price\"\nfact = \"monthly_price\"\nvalue = \"£24.99\"\n",
        );
        let rules = rules(&m, &locale());
        assert_eq!(rules.len(), 3);
        assert!(rules[0].find("Speeds are Guaranteed!", &locale()).is_some());
        assert!(rules[1].find("We offer a price  freeze.", &locale()).is_some());
        let hit = rules[2].find("It used to be 24.99 GBP a month.", &locale()).expect("old price by meaning");
        assert_eq!(rules[2].id, "old-price");
        assert!(hit.what.contains("£24.99"), "{}", hit.what);
    }

    #[test]
    fn near_misses() {
        let m =
            map("[[forbidden]]\ntext = \"guaranteed\"\n[[forbidden]]\nfact = \"monthly_price\"\nvalue = \"£24.99\"\n");
        let rules = rules(&m, &locale());
        assert!(rules[0].find("Refunds are unguaranteedly slow", &locale()).is_none());
        assert!(rules[0].find("A guarantee applies.", &locale()).is_none());
        assert!(rules[1].find("It costs £29.99 a month.", &locale()).is_none());
    }
}
