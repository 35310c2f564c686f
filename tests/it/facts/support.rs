//! Helpers shared by the fact tests.

use touchpoint::fact::{self, FactKind, FactSpec, FactValue, Judgement, Locale};

pub fn spec(kind: FactKind) -> FactSpec {
    FactSpec::new(kind)
}

pub fn expected(kind: FactKind, text: &str) -> FactValue {
    fact::parse_expected(&spec(kind), text, &Locale::default())
        .unwrap_or_else(|why| panic!("map value `{text}` should parse as {kind}: {why}"))
}

pub fn judge_with(spec: &FactSpec, expected_text: &str, answer: &str) -> Judgement {
    let value = fact::parse_expected(spec, expected_text, &Locale::default())
        .unwrap_or_else(|why| panic!("map value `{expected_text}` should parse: {why}"));
    fact::judge(&value, spec, answer, &Locale::default())
}

/// Every answer must be judged Correct for the map value.
pub fn assert_agree(kind: FactKind, map_value: &str, answers: &[&str]) {
    for answer in answers {
        let judgement = judge_with(&spec(kind), map_value, answer);
        assert!(
            matches!(judgement, Judgement::Correct { .. }),
            "{kind}: `{answer}` should agree with `{map_value}`, got {judgement:?}"
        );
    }
}

/// Every answer must be judged Wrong (a value was found, and it differs).
pub fn assert_differ(kind: FactKind, map_value: &str, answers: &[&str]) {
    for answer in answers {
        let judgement = judge_with(&spec(kind), map_value, answer);
        assert!(
            matches!(judgement, Judgement::Wrong { .. }),
            "{kind}: `{answer}` should differ from `{map_value}`, got {judgement:?}"
        );
    }
}

/// Nothing of this kind is read from any of the texts.
pub fn assert_none(kind: FactKind, texts: &[&str]) {
    for text in texts {
        let found = fact::extract(&spec(kind), text, &Locale::default());
        assert!(found.is_empty(), "{kind}: nothing should be read from `{text}`, got {found:?}");
    }
}
