//! Errors as findings, JUnit escaping, torn and empty runs, detail limits.

use super::*;

#[test]
fn errors_are_findings_with_their_http_evidence() {
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "").failed(
            ErrorKind::Status,
            "HTTP 503 from /chat",
            vec![http(503, None), http(503, None)],
        ),
        ask("email", "sam", "refund-policy", "").failed(
            ErrorKind::Timeout,
            "no response in 10s",
            vec![http(0, Some("timed out"))],
        ),
        ask("web", "sam", "refund-policy", "").failed(ErrorKind::Interrupted, "stopped", vec![]),
    ]);
    let errors = of_kind(&v, FindingKind::Error);
    assert_eq!(errors.len(), 3, "{:#?}", v.findings);
    let status = errors.iter().find(|f| f.channel.as_deref() == Some("chat")).expect("chat error");
    assert_eq!(status.severity, Severity::High);
    assert_eq!(status.evidence[0].http.len(), 2);
    assert_eq!(status.evidence[0].http[0].status, Some(503));
    assert!(status.summary.contains("HTTP error"), "{}", status.summary);
    let stopped = errors.iter().find(|f| f.channel.as_deref() == Some("web")).expect("web error");
    assert_eq!(stopped.severity, Severity::Info);
    // No reply is no fact check and no NotStated noise.
    assert_eq!(v.counts.facts_checked, 0);
    assert!(of_kind(&v, FindingKind::NotStated).is_empty());
    assert_eq!(v.counts.errors, 3);
}

/// Regression: one transport glitch produced one finding per question.
#[test]
fn one_transport_fault_on_a_channel_is_one_finding_whatever_the_questions() {
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "").failed(ErrorKind::Status, "HTTP 503 from /chat", vec![http(503, None)]),
        ask("chat", "sam", "monthly-price", "").failed(ErrorKind::Status, "HTTP 503 from /chat", vec![http(503, None)]),
        ask("chat", "lee", "refund-policy", "").failed(ErrorKind::Status, "HTTP 503 from /chat", vec![http(503, None)]),
        ask("chat", "lee", "monthly-price", "").failed(ErrorKind::Timeout, "no response in 10s", vec![]),
    ]);
    let errors = of_kind(&v, FindingKind::Error);
    assert_eq!(errors.len(), 2, "one per channel and cause: {:#?}", v.findings);
    let status = errors.iter().find(|f| f.occurrences == 3).expect("the HTTP error finding, seen three times");
    assert_eq!(status.evidence.len(), 3, "every occurrence is evidence");
    assert!(status.question.is_none());
}

#[test]
fn junit_escapes_hostile_answers() {
    let hostile = "<script>alert('pwned')</script> ]]> Refunds within 14 days \u{0}\u{1b}[31m & \"quotes\"";
    let v =
        verdict(vec![ask("email", "sam", "refund-policy", hostile), ask("chat", "sam", "refund-policy", "30 days")]);
    let mut out = Vec::new();
    write_junit(&v, &mut out).expect("written");
    let xml = String::from_utf8(out).expect("utf-8");
    assert!(!xml.contains("<script>"), "{xml}");
    assert!(!xml.contains("]]>"));
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}'));
    assert!(xml.contains("<failure"), "{xml}");
    assert!(xml.contains("&lt;script&gt;") || xml.contains("14 days"));
    assert_eq!(xml.matches("<testcase").count(), v.checks.len());
    // Every tag opened is closed: a crude well-formedness check without an XML parser.
    assert_eq!(xml.matches("<testsuite ").count(), xml.matches("</testsuite>").count());
    assert_eq!(xml.matches("<failure").count(), xml.matches("</failure>").count());
    // And the verdict serialises.
    let json = serde_json::to_string(&v).expect("json");
    let back: Verdict = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back.findings.len(), v.findings.len());
    assert!(summary_lines(&v).iter().all(|l| !l.contains('\u{1b}')));
}

#[test]
fn a_torn_or_empty_run_analyses() {
    let (_dir, suite) = suite();
    let empty =
        RecordedRun { header: header(), exchanges: vec![], end: None, torn_tail: true, late: Default::default() };
    let v = analyze(suite, &empty, &AnalyzeOptions::default());
    assert!(!v.complete && v.torn_tail);
    assert_eq!(v.score, None);
    assert!(v.findings.is_empty());
    assert!(v.checks.is_empty());
    assert_eq!(v.journeys.len(), 1, "the map's journey is drawn even when nobody walked it");
    let mut out = Vec::new();
    write_junit(&v, &mut out).expect("written");
    assert!(!summary_lines(&v).is_empty());

    // A run cut short: an exchange of a channel and persona the suite does not know.
    let mut stray = ask("fax", "nobody", "unknown-question", "Call us on 0800 123 4567");
    stray.0.expects = vec!["no_such_fact".into(), "refund_window".into()];
    stray.0.recognises = Some(("ref".into(), String::new()));
    let mut r = run(vec![stray]);
    r.end = None;
    let v = analyze(suite, &r, &AnalyzeOptions::default());
    assert!(!v.complete);
    assert_eq!(v.counts.exchanges, 1);
}

#[test]
fn detail_beyond_the_limit_is_counted_not_listed() {
    let (_dir, suite) = suite();
    let many: Vec<X> = (0..50).map(|i| ask("chat", "sam", "refund-policy", "14 days").repeat(i)).collect();
    let options = AnalyzeOptions { detail_limit: 10, max_evidence: 3, ..AnalyzeOptions::default() };
    let v = analyze(suite, &run(many), &options);
    let wrong = of_kind(&v, FindingKind::WrongFact);
    assert_eq!(wrong[0].occurrences, 50);
    assert_eq!(wrong[0].evidence.len(), 3);
    let listed: usize = v.journeys.iter().flat_map(|j| &j.walks).map(|w| w.touchpoints.len()).sum();
    assert_eq!(listed, 10);
    assert_eq!(v.counts.touchpoints_omitted, 40);
    // Every answer failed its check; the two consistency checks passed.
    assert_eq!((v.counts.checks_failed, v.counts.checks_passed), (50, 2));
    assert_eq!((v.checks.len(), v.counts.checks_omitted), (12, 40));
}

/// Regression: a matrix cell whose only exchange failed said "not asked".
/// Every cell without a value says why in verdict.json itself.
#[test]
fn an_empty_matrix_cell_says_why_in_the_verdict() {
    use touchpoint::verdict::EmptyCell;
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "").failed(ErrorKind::Status, "HTTP 503 from /chat", vec![http(503, None)]),
        ask("email", "sam", "refund-policy", "Thanks for asking, we will get back to you."),
        ask("web", "sam", "refund-policy", "<main><p>Returns within 30 days.</p></main>"),
        ask("web", "sam", "monthly-price", "").failed(ErrorKind::Budget, "budget used up", vec![]),
        ask("chat", "sam", "monthly-price", "   "),
    ]);
    let cell = |q: &str, ch: &str| {
        let row = v.matrix.iter().find(|r| r.question == q).unwrap_or_else(|| panic!("a row for {q}: {:#?}", v.matrix));
        row.cells.iter().find(|c| c.channel == ch).unwrap_or_else(|| panic!("a {ch} cell: {row:#?}")).clone()
    };
    assert_eq!(cell("refund-policy", "chat").empty, Some(EmptyCell::NoUsableReply));
    assert_eq!(cell("refund-policy", "chat").no_reply, 1);
    assert_eq!(cell("refund-policy", "email").empty, Some(EmptyCell::NotStated));
    assert_eq!(cell("refund-policy", "web").empty, None);
    assert_eq!(cell("monthly-price", "web").empty, Some(EmptyCell::NotChecked));
    assert_eq!(
        cell("monthly-price", "chat").empty,
        Some(EmptyCell::NoUsableReply),
        "an empty reply is no usable reply"
    );
    assert_eq!(cell("monthly-price", "email").empty, Some(EmptyCell::NotAsked));
    // The reasons are in the JSON, as words.
    let json = serde_json::to_string(&v).unwrap();
    for reason in ["no_usable_reply", "not_stated", "not_checked", "not_asked"] {
        assert!(json.contains(&format!("\"empty\":\"{reason}\"")), "{reason}");
    }
    // A verdict written before the reason was recorded still reads.
    let old: touchpoint::verdict::MatrixCell =
        serde_json::from_str(r#"{"channel":"chat","segment":"new","values":[],"not_stated":1}"#).unwrap();
    assert_eq!((old.empty, old.no_reply), (None, 0));
}

/// Regression: a check linked to a finding passed when it was linked, and
/// stayed "passed" after a later occurrence at a moment of truth made the
/// finding fail — while JUnit showed that finding as its failure.
#[test]
fn a_check_fails_when_its_finding_ends_at_the_failing_level() {
    let mut late = ask("chat", "lee", "refund-policy", "30 days.").latency(2100, 2500);
    late.0.task.kind = TaskKind::Scenario;
    late.0.journey = Some("support".into());
    late.0.stage = Some("resolution".into());
    let v = verdict(vec![ask("chat", "sam", "refund-policy", "30 days.").latency(2100, 2500), late]);
    let breach = of_kind(&v, FindingKind::SlaBreach);
    assert_eq!(breach.len(), 1, "{:#?}", v.findings);
    assert!(breach[0].severity >= v.fail_on, "a breach at a moment of truth is high");
    for c in v.checks.iter().filter(|c| c.findings.contains(&breach[0].id)) {
        assert!(!c.passed, "{c:?}");
    }
    let failed = v.checks.iter().filter(|c| !c.passed).count() as u64;
    assert_eq!(v.counts.checks_failed, failed);
    assert_eq!(v.counts.checks_passed, v.checks.len() as u64 - failed);
}

/// The report says why a cell is empty from the verdict itself, and a row
/// nobody answered is "no usable reply", not a fact nobody states.
#[test]
fn the_report_matrix_takes_empty_cell_reasons_from_the_verdict() {
    let exchanges = || {
        vec![
            ask("chat", "sam", "refund-policy", "").failed(ErrorKind::Status, "HTTP 503", vec![http(503, None)]),
            ask("web", "sam", "refund-policy", "<main><p>Returns within 30 days.</p></main>"),
            ask("chat", "sam", "monthly-price", "").failed(ErrorKind::Timeout, "no response", vec![]),
        ]
    };
    let v = verdict(exchanges());
    // An empty record: the reasons can only come from the verdict.
    let mut bare = run(exchanges());
    bare.exchanges.clear();
    let view = serde_json::to_value(touchpoint::report::build_view(&v, &bare)).unwrap();
    let rows = view["matrix"]["rows"].as_array().unwrap();
    let labels: Vec<(String, String, Vec<String>)> = rows
        .iter()
        .map(|r| {
            let cells = r["cells"].as_array().unwrap();
            let empty = cells.iter().map(|c| c["empty"]["label"].as_str().unwrap_or("-").to_string()).collect();
            (r["fact"].as_str().unwrap().to_string(), r["status"]["label"].as_str().unwrap().to_string(), empty)
        })
        .collect();
    let price = labels.iter().find(|(f, _, _)| f == "Monthly price").expect("a row for the price nobody gave");
    assert_eq!(price.1, "No usable reply anywhere", "{labels:?}");
    assert_eq!(price.2, ["no usable reply", "not asked"], "chat then web: {labels:?}");
    let refund = labels.iter().find(|(f, _, _)| f == "Refund window").unwrap();
    assert_eq!(refund.2, ["no usable reply", "-"], "{labels:?}");
}
