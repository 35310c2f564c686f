//! Judging answers: yes/no and free text (found by keywords), and how
//! `judge` picks its evidence.

use touchpoint::fact::{self, FactKind, FactSpec, FactValue, Judgement, Locale};

use crate::support::{expected, judge_with, spec};

fn keyed(kind: FactKind, keywords: &[&str]) -> FactSpec {
    FactSpec { kind, keywords: keywords.iter().map(|k| k.to_string()).collect() }
}

fn read_yes_no(answer: &str) -> Option<bool> {
    let found = fact::extract(&keyed(FactKind::YesNo, &["installation", "free"]), answer, &Locale::default());
    match found.first().map(|f| &f.value) {
        Some(FactValue::YesNo(b)) => Some(*b),
        _ => None,
    }
}

#[test]
fn yes_no_reads_negation() {
    for (answer, want) in [
        ("Yes, installation is free.", Some(true)),
        ("Installation is free of charge.", Some(true)),
        ("Installation isn't free.", Some(false)),
        ("Installation is not free, I'm afraid.", Some(false)),
        ("No, we charge for installation.", Some(false)),
        ("No. We charge £50 for installation.", Some(false)),
        ("There's no charge for installation.", Some(true)),
        ("You won't be charged for installation.", Some(true)),
        ("No, installation is free!", Some(true)),
        ("Hello! Our routers are great.", None),
    ] {
        assert_eq!(read_yes_no(answer), want, "{answer}");
    }
}

#[test]
fn yes_no_judges() {
    let spec = keyed(FactKind::YesNo, &["installation", "free"]);
    assert!(matches!(judge_with(&spec, "yes", "Good news: installation is free."), Judgement::Correct { .. }));
    assert!(matches!(judge_with(&spec, "yes", "Installation isn't free."), Judgement::Wrong { .. }));
    assert!(matches!(judge_with(&spec, "no", "Thanks for asking!"), Judgement::NotStated));
}

#[test]
fn free_text_needs_every_significant_word() {
    let spec = keyed(FactKind::Text, &[]);
    let answer = "Thanks for asking. Returns go to our Leeds warehouse. Use the prepaid label.";
    match judge_with(&spec, "Leeds warehouse", answer) {
        Judgement::Correct { found } => assert_eq!(found.excerpt, "Returns go to our Leeds warehouse."),
        other => panic!("expected Correct, got {other:?}"),
    }
    assert_eq!(judge_with(&spec, "Manchester warehouse", answer), Judgement::NotStated);
    // Words may be spread over neighbouring sentences.
    assert!(matches!(judge_with(&spec, "prepaid label warehouse", answer), Judgement::Correct { .. }));
}

#[test]
fn wrong_prefers_the_closest_candidate_and_keeps_the_rest() {
    let answer = "Setup is $10. The plan is £39.99 a month, or £399 a year.";
    match judge_with(&spec(FactKind::Money), "£29.99 per month", answer) {
        Judgement::Wrong { found, others } => {
            assert_eq!(found.excerpt, "£39.99 a month");
            let rest: Vec<&str> = others.iter().map(|f| f.excerpt.as_str()).collect();
            assert_eq!(rest, ["$10", "£399 a year"]);
        }
        other => panic!("expected Wrong, got {other:?}"),
    }
}

#[test]
fn correct_wins_over_other_values() {
    let answer = "Not £39.99 — it's £29.99 a month.";
    match judge_with(&spec(FactKind::Money), "£29.99 per month", answer) {
        Judgement::Correct { found } => assert_eq!(&answer[found.span.clone()], "£29.99 a month"),
        other => panic!("expected Correct, got {other:?}"),
    }
}

#[test]
fn judgement_serialises_with_an_outcome_tag() {
    let json = serde_json::to_value(Judgement::NotStated).unwrap();
    assert_eq!(json, serde_json::json!({ "outcome": "not_stated" }));
    let value = expected(FactKind::Duration, "30 days");
    let judgement = fact::judge(&value, &spec(FactKind::Duration), "30 days", &Locale::default());
    let json = serde_json::to_value(&judgement).unwrap();
    assert_eq!(json["outcome"], "correct");
    assert_eq!(json["found"]["excerpt"], "30 days");
}
