//! Judging answers: yes/no and free text (found by keywords), and how
//! `judge` picks its evidence.

use touchpoint::fact::{self, FactKind, FactSpec, FactValue, Judgement, Locale};

use super::support::{expected, judge_with, spec};

fn keyed(kind: FactKind, keywords: &[&str]) -> FactSpec {
    FactSpec { keywords: keywords.iter().map(|k| k.to_string()).collect(), ..FactSpec::new(kind) }
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
        ("Installation, I'm afraid, isn't free.", Some(false)),
        ("Installation takes 5 days.", None),
        ("Hello! Our routers are great.", None),
    ] {
        assert_eq!(read_yes_no(answer), want, "{answer}");
    }
}

/// Map keywords are often alternatives: two of them make a sentence relevant.
#[test]
fn yes_no_keywords_are_alternatives() {
    let spec = keyed(FactKind::YesNo, &["installation", "free", "charge"]);
    for (answer, want) in [
        (
            "An engineer will install your broadband within 10 working days, and there's no charge for installation.",
            true,
        ),
        ("An engineer will install your broadband within 5 working days. Installation is free of charge.", true),
        ("Installation takes place within 5 working days of your order, and it is free of charge.", true),
        ("There is a charge of £50 for installation.", false),
        ("No, installation is free.", true),
    ] {
        let found = fact::extract(&spec, answer, &Locale::default());
        let values: Vec<&FactValue> = found.iter().map(|f| &f.value).collect();
        assert!(values.contains(&&FactValue::YesNo(want)), "{answer}: {found:?}");
        assert!(!values.contains(&&FactValue::YesNo(!want)), "{answer}: {found:?}");
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
        Judgement::Correct { found, .. } => {
            assert_eq!(found.excerpt, "Returns go to our Leeds warehouse.")
        }
        other => panic!("expected Correct, got {other:?}"),
    }
    assert_eq!(judge_with(&spec, "Manchester warehouse", answer), Judgement::NotStated);
    // Words may be spread over neighbouring sentences.
    assert!(matches!(judge_with(&spec, "prepaid label warehouse", answer), Judgement::Correct { .. }));
}

#[test]
fn wrong_prefers_the_closest_candidate_and_keeps_the_rest() {
    let answer = "Setup is $10. The plan is £39.99 a month, or £399 a year.";
    let plan = FactSpec { subject: vec!["plan".into()], ..spec(FactKind::Money) };
    match judge_with(&plan, "£29.99 per month", answer) {
        Judgement::Wrong { found, others, .. } => {
            assert_eq!(found.excerpt, "£39.99 a month");
            // "$10" is the setup fee: not tied to the plan, so not a candidate.
            let rest: Vec<&str> = others.iter().map(|f| f.excerpt.as_str()).collect();
            assert_eq!(rest, ["£399 a year"]);
        }
        other => panic!("expected Wrong, got {other:?}"),
    }
}

#[test]
fn correct_wins_over_other_values() {
    let answer = "Not £39.99 — it's £29.99 a month.";
    match judge_with(&spec(FactKind::Money), "£29.99 per month", answer) {
        Judgement::Correct { found, .. } => assert_eq!(&answer[found.span.clone()], "£29.99 a month"),
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

/// The embedded demo's wording on every channel, judged against the Acme
/// map: the two planted wrong facts are Wrong, everything else Correct.
#[test]
fn acme_demo_answers() {
    let cases: [(FactKind, &str, &[&str], &str, bool); 14] = [
        (
            FactKind::Duration,
            "30 days",
            &[],
            "You can return it within thirty days of delivery for a full refund.",
            true,
        ),
        (
            FactKind::Duration,
            "30 days",
            &[],
            "You can return your equipment within 14 days of delivery for a full refund.",
            false,
        ),
        (
            FactKind::Money,
            "£29.99 per month",
            &[],
            "Our broadband costs £29.99 a month, and there's no setup fee.",
            true,
        ),
        (
            FactKind::Money,
            "£29.99 per month",
            &[],
            "Our broadband plan costs 29.99 GBP per month, with no setup fee.",
            true,
        ),
        (FactKind::Money, "£29.99 per month", &[], "Acme Fibre costs £29.99/mo. There is no setup fee.", true),
        (
            FactKind::Phone,
            "0800 123 4567",
            &[],
            "You can call us on +44 800 123 4567 or email help@acme-broadband.example.",
            true,
        ),
        (FactKind::Hours, "Mon–Fri 8am–8pm", &[], "Our team is available weekdays 8am to 8pm.", true),
        (FactKind::Hours, "Mon–Fri 8am–8pm", &[], "Our customer care team is open Mon-Fri 8am-8pm.", true),
        (FactKind::Hours, "Mon–Fri 8am–8pm", &[], "Customer Care is open Monday to Friday, 08:00–20:00.", true),
        (
            FactKind::Duration,
            "5 working days",
            &[],
            "An engineer will install your broadband within 10 working days, and there's no charge for installation.",
            false,
        ),
        (FactKind::Duration, "30 days", &[], "You can cancel at any time with thirty days' notice.", true),
        (
            FactKind::Percent,
            "10%",
            &[],
            "Customers who renew receive a loyalty discount of ten per cent, and the new contract runs for 18 months.",
            true,
        ),
        (
            FactKind::Duration,
            "18 months",
            &[],
            "When your contract ends you can renew for another eighteen months with a 10% loyalty discount.",
            true,
        ),
        (FactKind::YesNo, "yes", &["installation", "free", "charge"], "Installation is free of charge.", true),
    ];
    for (kind, map_value, keywords, answer, correct) in cases {
        let judgement = judge_with(&keyed(kind, keywords), map_value, answer);
        let ok = if correct {
            matches!(judgement, Judgement::Correct { .. })
        } else {
            matches!(judgement, Judgement::Wrong { .. })
        };
        assert!(ok, "{kind} `{map_value}` in `{answer}`: {judgement:?}");
    }
}

/// Regression (the demo's installer): chat, email and the help centre each
/// named Openreach in their own sentence, and the consistency matrix called
/// the three correct answers a disagreement. A correct text fact's value is
/// the name stated, so the channels agree.
#[test]
fn text_facts_named_in_different_sentences_agree() {
    let spec = FactSpec { not: vec!["CityFibre".into(), "Virgin Media".into()], ..FactSpec::new(FactKind::Text) };
    let want = fact::parse_expected(&spec, "Openreach", &Locale::default()).unwrap();
    let values: Vec<FactValue> = [
        "An Openreach engineer will install your broadband within 10 working days.",
        "Your line is installed by Openreach, who look after the UK's phone network.",
        "Openreach installs the line. If you're moving from Virgin Media, we'll tell them you're leaving.",
    ]
    .into_iter()
    .map(|answer| match fact::judge_asked(&want, &spec, answer, "Who installs the line?", &Locale::default()) {
        Judgement::Correct { found, .. } => found.value,
        other => panic!("{answer}: {other:?}"),
    })
    .collect();
    for pair in values.windows(2) {
        assert!(pair[0].agrees(&pair[1]) && pair[1].agrees(&pair[0]), "{values:?}");
    }
}
