//! The demo's planted hygiene defects, end to end: the example suite walked
//! against the embedded demo, each defect found on the right channel and
//! question with its exact words as evidence — and nothing on the demo's
//! clean answers (no hygiene finding of any other kind or place).

use crate::common;
use touchpoint::analysis::AnalyzeOptions;
use touchpoint::artifacts;
use touchpoint::demo::{self, DemoConfig};
use touchpoint::verdict::{Finding, FindingKind, Severity, Verdict};

/// The highlighted words of each evidence item.
fn marked(f: &Finding) -> Vec<String> {
    f.evidence.iter().map(|e| e.highlight.map_or(String::new(), |h| e.answer[h.start..h.end].to_string())).collect()
}

fn hygiene(v: &Verdict) -> Vec<&Finding> {
    v.findings.iter().filter(|f| f.kind.is_hygiene()).collect()
}

fn one(v: &Verdict, kind: FindingKind) -> &Finding {
    let all: Vec<&Finding> = v.findings.iter().filter(|f| f.kind == kind).collect();
    assert_eq!(all.len(), 1, "one {kind:?} finding: {all:#?}");
    all[0]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_planted_hygiene_defects_are_found_and_nothing_else() {
    let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 5, time_scale: 0.05 }).await.unwrap();
    let reports = tempfile::tempdir().unwrap();
    let suite = common::load(&common::example_suite());
    let run = common::run(suite.clone(), common::options(reports.path(), &demo.url())).await;
    let written = artifacts::write_all(&run.dir, &suite, &AnalyzeOptions::default()).expect("derive the run's files");
    let v = &written.verdict;

    let mut places: Vec<(FindingKind, Option<&str>, Option<&str>)> =
        hygiene(v).iter().map(|f| (f.kind, f.channel.as_deref(), f.question.as_deref())).collect();
    places.sort();
    assert_eq!(
        places,
        [
            (FindingKind::LeakedPlaceholder, Some("email"), Some("opening-hours")),
            (FindingKind::Markup, Some("chat"), Some("contact-phone")),
            (FindingKind::CustomerDataLeak, Some("email"), Some("loyalty")),
            (FindingKind::Fallback, Some("chat"), Some("cancellation")),
            (FindingKind::ForbiddenClaim, Some("web"), Some("loyalty")),
        ],
        "{:#?}",
        hygiene(v)
    );

    let placeholder = one(v, FindingKind::LeakedPlaceholder);
    assert!(marked(placeholder).iter().all(|m| m == "{{first_name}}"), "{:?}", marked(placeholder));
    assert_eq!(placeholder.severity, Severity::High);
    assert!(placeholder.summary.contains("{{first_name}}"), "{}", placeholder.summary);

    let markup = one(v, FindingKind::Markup);
    assert!(marked(markup).iter().all(|m| m == "<b>0800 123 4567</b>"), "{:?}", marked(markup));
    assert_eq!(markup.severity, Severity::Medium, "plain markup, no script");

    // Raj Patel's account, shown to the other customers — never to Raj himself.
    let leak = one(v, FindingKind::CustomerDataLeak);
    assert_eq!(leak.severity, Severity::Critical);
    assert!(marked(leak).iter().all(|m| m == "AC-100234"), "{:?}", marked(leak));
    let told: Vec<&str> = leak.evidence.iter().map(|e| e.persona.as_str()).collect();
    assert!(!told.is_empty() && !told.contains(&"loyal-customer"), "{told:?}");
    assert!(leak.summary.contains("Raj Patel's account"), "{}", leak.summary);

    let fallback = one(v, FindingKind::Fallback);
    assert!(marked(fallback).iter().all(|m| m == "not sure I understood"), "{:?}", marked(fallback));
    assert!(fallback.summary.contains("while Email and Help centre answer it"), "{}", fallback.summary);
    // One root cause, one finding: chat not stating the notice period is the fallback.
    assert!(
        fallback.summary.to_lowercase().contains("so it does not state the cancellation notice there."),
        "{}",
        fallback.summary
    );
    let not_stated: Vec<&Finding> = v
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NotStated && f.channel.as_deref() == Some("chat"))
        .filter(|f| f.question.as_deref() == Some("cancellation"))
        .collect();
    assert!(not_stated.is_empty(), "{not_stated:#?}");
    let ids: std::collections::HashSet<&str> = v.findings.iter().map(|f| f.id.as_str()).collect();
    for t in v.journeys.iter().flat_map(|j| &j.walks).flat_map(|w| &w.touchpoints) {
        assert!(t.findings.iter().all(|id| ids.contains(id.as_str())), "a touchpoint links a finding that exists");
    }
    let rates: Vec<(&str, &str)> = v.fallbacks.iter().map(|r| (r.channel.as_str(), r.question.as_str())).collect();
    assert_eq!(rates, [("chat", "cancellation")], "only chat's cancellation falls back");
    assert_eq!(v.fallbacks[0].fallbacks, v.fallbacks[0].replies, "every time");

    let forbidden = one(v, FindingKind::ForbiddenClaim);
    assert!(marked(forbidden).iter().all(|m| m == "guaranteed for life"), "{:?}", marked(forbidden));
    assert!(forbidden.summary.contains("the lifetime price guarantee was withdrawn"), "{}", forbidden.summary);

    // Each shows in JUnit: a failing check names it (or its summary as a note).
    let junit = std::fs::read_to_string(run.dir.join("junit.xml")).unwrap();
    for f in hygiene(v) {
        assert!(v.checks.iter().any(|c| c.findings.contains(&f.id)), "{:?} is linked to a check", f.kind);
    }
    assert!(junit.contains("{{first_name}}") && junit.contains("AC-100234"), "junit carries the evidence");
    // … and in the terminal summary, with the fallback rate.
    let lines = touchpoint::analysis::summary_lines(v);
    let line = lines.iter().find(|l| l.starts_with("hygiene: ")).expect("a hygiene line");
    assert!(line.contains("leaked placeholder") && line.contains("another customer's data"), "{line}");
    assert!(line.contains("fallbacks: chat on cancellation 4 of 4"), "{line}");
    demo.shutdown().await;
}
