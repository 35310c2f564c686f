//! Analysis of hand-built runs against a small suite: what a user would see
//! in the verdict for a wrong fact, a disagreement, a slow reply, a lost
//! case reference, a flaky or segment-dependent answer — and that hostile
//! or broken runs never crash it.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;
use touchpoint::analysis::{analyze, summary_lines, AnalyzeOptions};
use touchpoint::junit::write_junit;
use touchpoint::record::{
    End, EndStatus, ErrorKind, Exchange, Header, Http, Purpose, RecordedRun, Reply, StepError, Task, TaskKind,
};
use touchpoint::suite::Suite;
use touchpoint::verdict::{FactOutcome, Finding, FindingKind, Severity, SlaStatus, Verdict};

const MAP: &str = r#"
name = "Acme Broadband"

[facts.refund_window]
label = "Refund window"
kind = "duration"
value = "30 days"

[facts.monthly_price]
label = "Monthly price"
kind = "money"
value = "£29.99 per month"

[[questions]]
id = "refund-policy"
label = "Refund policy"
asks = ["How long do I have to return my router?"]
expects = ["refund_window"]

[[questions]]
id = "monthly-price"
asks = ["How much is broadband a month?"]
expects = ["monthly_price"]

[[journeys]]
id = "support"
name = "Support"
stages = [{ id = "first-contact" }, { id = "explanation" }, { id = "resolution", critical = true }]

[sla]
chat = "2s"
email = "4h"
web = "1s"
"#;

const CHANNELS: &str = r#"
[chat]
kind = "chat"
send = { method = "POST", url = "/chat", json = { text = "{{ message }}" } }

[email]
kind = "email"
send = { method = "POST", url = "/email", json = { text = "{{ message }}" } }

[web]
kind = "web"
send = { url = "/help" }
"#;

const PERSONAS: &str = r#"
[[personas]]
id = "sam"
name = "Sam Jones"
email = "sam@example.com"
segment = "new"
patience = "low"

[[personas]]
id = "lee"
name = "Lee Smith"
email = "lee@example.com"
segment = "loyal"
"#;

const SWEEPS: &str = r#"
[[sweeps]]
id = "audit"
"#;

const SCENARIO: &str = r#"
persona = "sam"
journey = "support"

[[steps]]
stage = "explanation"
channel = "chat"
ask = "refund-policy"
capture = { case_ref = "CASE-\\d+" }

[[steps]]
stage = "resolution"
channel = "email"
say = "About {{ case_ref }}: can I still send the router back?"
expects = ["refund_window"]
recognises = "case_ref"
"#;

/// The suite, loaded once for all tests (the folder lives as long as the process).
fn suite() -> (&'static tempfile::TempDir, &'static Suite) {
    static SUITE: OnceLock<(tempfile::TempDir, Suite)> = OnceLock::new();
    let (dir, suite) = SUITE.get_or_init(write_suite);
    (dir, suite)
}

fn write_suite() -> (tempfile::TempDir, Suite) {
    let dir = tempfile::tempdir().expect("temp dir");
    let files = [
        ("map.toml", MAP),
        ("channels.toml", CHANNELS),
        ("personas.toml", PERSONAS),
        ("sweeps.toml", SWEEPS),
        ("scenarios/refund-handoff.toml", SCENARIO),
    ];
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(p, text).expect("write");
    }
    let suite = load(dir.path());
    (dir, suite)
}

fn load(dir: &Path) -> Suite {
    let loaded = touchpoint::suite::load(dir);
    match loaded.suite {
        Some(s) => s,
        None => panic!("suite invalid:\n{}", loaded.diagnostics.render_plain(&loaded.sources)),
    }
}

fn header() -> Header {
    Header {
        schema: 1,
        run_id: "run-1".into(),
        suite: "acme".into(),
        company: "Acme Broadband".into(),
        suite_digest: "0123456789abcdef".into(),
        tool_version: "0.1.0".into(),
        seed: 7,
        started_at: Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0).single().expect("a date"),
        target: "http://127.0.0.1:1".into(),
        concurrency: 1,
        repeat: 1,
        planned_tasks: 0,
        only: None,
        resumed_from: None,
    }
}

/// A small builder: one exchange, sensible defaults, changed by chaining.
#[derive(Clone)]
struct X(Exchange);

/// A sweep cell: `persona` asks `question` on `channel`, gets `reply` after `ms`.
fn ask(channel: &str, persona: &str, question: &str, reply: &str) -> X {
    let segment = if persona == "sam" { "new" } else { "loyal" };
    let expects = match question {
        "refund-policy" => vec!["refund_window".to_string()],
        "monthly-price" => vec!["monthly_price".to_string()],
        _ => vec![],
    };
    X(Exchange {
        seq: 0,
        task: Task {
            kind: TaskKind::Sweep,
            id: "audit".into(),
            persona: persona.into(),
            repeat: 0,
            question: Some(question.into()),
            channel: Some(channel.into()),
        },
        step: 0,
        journey: None,
        stage: None,
        channel: channel.into(),
        persona_segment: segment.into(),
        question: Some(question.into()),
        expects,
        recognises: None,
        message: "How long do I have to return my router?".into(),
        t_sent_us: 1_000_000,
        http: vec![http(200, None)],
        reply: Some(Reply { text: reply.into(), item: None, t_earliest_us: 1_100_000, t_latest_us: 1_200_000 }),
        captures: BTreeMap::new(),
        error: None,
    })
}

fn http(status: u16, error: Option<&str>) -> Http {
    Http {
        purpose: Purpose::Send,
        attempt: 1,
        method: "POST".into(),
        url: "http://127.0.0.1:1/chat".into(),
        request_headers: Default::default(),
        request_body: None,
        t_start_us: 1_000_000,
        t_first_byte_us: None,
        t_end_us: 1_050_000,
        status: Some(status),
        headers: Default::default(),
        body: None,
        body_bytes: 0,
        truncated: false,
        error: error.map(str::to_string),
    }
}

impl X {
    fn repeat(mut self, n: u32) -> X {
        self.0.task.repeat = n;
        self
    }
    /// Reply latency interval in milliseconds after sending.
    fn latency(mut self, lo_ms: u64, hi_ms: u64) -> X {
        let sent = self.0.t_sent_us;
        if let Some(r) = self.0.reply.as_mut() {
            r.t_earliest_us = sent + lo_ms * 1000;
            r.t_latest_us = sent + hi_ms * 1000;
        }
        self
    }
    fn sent_at(mut self, us: u64) -> X {
        let d = us as i64 - self.0.t_sent_us as i64;
        self.0.t_sent_us = us;
        if let Some(r) = self.0.reply.as_mut() {
            r.t_earliest_us = (r.t_earliest_us as i64 + d) as u64;
            r.t_latest_us = (r.t_latest_us as i64 + d) as u64;
        }
        self
    }
    fn failed(mut self, kind: ErrorKind, message: &str, http: Vec<Http>) -> X {
        self.0.reply = None;
        self.0.error = Some(StepError { kind, message: message.into() });
        self.0.http = http;
        self
    }
}

fn run(exchanges: Vec<X>) -> RecordedRun {
    let exchanges: Vec<Exchange> = exchanges
        .into_iter()
        .enumerate()
        .map(|(i, X(mut x))| {
            x.seq = i as u64 + 1;
            x
        })
        .collect();
    let n = exchanges.len() as u64;
    RecordedRun {
        header: header(),
        exchanges,
        end: Some(End {
            finished_at: Utc.with_ymd_and_hms(2025, 1, 1, 9, 1, 0).single().expect("a date"),
            status: EndStatus::Complete,
            exchanges: n,
            errors: 0,
            t_end_us: 60_000_000,
        }),
        torn_tail: false,
    }
}

fn verdict(exchanges: Vec<X>) -> Verdict {
    let (_dir, suite) = suite();
    analyze(suite, &run(exchanges), &AnalyzeOptions::default())
}

fn of_kind(v: &Verdict, kind: FindingKind) -> Vec<&Finding> {
    v.findings.iter().filter(|f| f.kind == kind).collect()
}

fn kinds(v: &Verdict) -> Vec<FindingKind> {
    v.findings.iter().map(|f| f.kind).collect()
}

#[test]
fn a_wrong_fact_on_one_channel_is_found_with_its_words() {
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "You can return it within 30 days."),
        ask("web", "sam", "refund-policy", "<main><p>Our refund window is 30 days.</p></main>"),
        ask(
            "email",
            "sam",
            "refund-policy",
            "Hi Sam,\n\nRefunds are possible within 14 days of delivery.\n\nBest, Acme",
        ),
    ]);
    let wrong = of_kind(&v, FindingKind::WrongFact);
    assert_eq!(wrong.len(), 1, "{:#?}", v.findings);
    let f = wrong[0];
    assert_eq!(f.channel.as_deref(), Some("email"));
    assert_eq!(f.fact.as_deref(), Some("refund_window"));
    assert_eq!(f.expected.as_deref(), Some("30 days"));
    assert_eq!(f.found.as_deref(), Some("14 days"));
    assert_eq!(f.severity, Severity::High);
    assert!(
        f.summary.contains("14 days") && f.summary.contains("the map and the other channels say 30 days"),
        "{}",
        f.summary
    );
    let e = &f.evidence[0];
    assert_eq!(e.seq, 3);
    assert!(e.excerpt.contains("within 14 days of delivery"), "{}", e.excerpt);
    let span = e.highlight.expect("a highlight");
    assert_eq!(&e.answer[span.start..span.end], "14 days");

    // The channels disagree, too, and the matrix shows it.
    assert_eq!(of_kind(&v, FindingKind::ChannelDisagreement).len(), 1);
    let row = v.matrix.iter().find(|r| r.question == "refund-policy").expect("a matrix row");
    assert!(!row.consistent);
    assert_eq!(row.cells.len(), 3);

    // The touchpoint shows the failed check; JUnit fails it.
    let email = v
        .journeys
        .iter()
        .flat_map(|j| &j.walks)
        .flat_map(|w| &w.touchpoints)
        .find(|t| t.channel == "email")
        .expect("email touchpoint");
    assert_eq!(email.facts[0].outcome, FactOutcome::Wrong);
    assert!(email.findings.contains(&f.id));
    assert!(v.worst_at_or_above(Severity::High));
    assert!(!v.worst_at_or_above(Severity::Critical));
}

#[test]
fn differently_worded_correct_answers_agree() {
    let v = verdict(vec![
        ask("chat", "sam", "monthly-price", "It's £29.99 a month."),
        ask("email", "sam", "monthly-price", "The plan costs 29.99 GBP per month."),
        ask("web", "lee", "monthly-price", "<p>Only £29.99/month</p>"),
    ]);
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert!(v.matrix.iter().all(|r| r.consistent));
    assert_eq!(v.counts.facts_correct, 3);
    assert_eq!(v.counts.checks_failed, 0);
    assert_eq!(v.score, Some(100.0));
}

#[test]
fn channels_that_disagree_are_one_finding() {
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "Returns are accepted for 21 days."),
        ask("chat", "lee", "refund-policy", "Returns are accepted for 21 days."),
        ask("email", "sam", "refund-policy", "You have 14 days to return it."),
        ask("email", "lee", "refund-policy", "You have 14 days to return it."),
    ]);
    let d = of_kind(&v, FindingKind::ChannelDisagreement);
    assert_eq!(d.len(), 1, "{:#?}", v.findings);
    assert!(
        d[0].summary.contains("chat says 21 days") && d[0].summary.contains("email says 14 days"),
        "{}",
        d[0].summary
    );
    assert_eq!(d[0].evidence.len(), 2);
    // Both are wrong against the map: one finding per channel, each seen twice.
    let wrong = of_kind(&v, FindingKind::WrongFact);
    assert_eq!(wrong.len(), 2);
    assert!(wrong.iter().all(|f| f.occurrences == 2));
    // Consistent within each channel: no segment or stability finding.
    assert!(of_kind(&v, FindingKind::SegmentDifference).is_empty());
    assert!(of_kind(&v, FindingKind::Unstable).is_empty());
}

#[test]
fn sla_breach_needs_the_earliest_time_over_the_sla() {
    let v = verdict(vec![
        ask("chat", "lee", "refund-policy", "30 days.").latency(2100, 2500),
        ask("chat", "lee", "monthly-price", "£29.99 a month.").latency(1900, 2100),
        ask("web", "lee", "refund-policy", "30 days.").latency(100, 300),
    ]);
    let breach = of_kind(&v, FindingKind::SlaBreach);
    assert_eq!(breach.len(), 1, "{:#?}", v.findings);
    // A service level belongs to the channel: one finding, whatever the question.
    assert_eq!(breach[0].channel.as_deref(), Some("chat"));
    assert_eq!(breach[0].severity, Severity::Medium);
    assert!(breach[0].summary.contains("2.5 s") && breach[0].summary.contains("2.1 s"), "{}", breach[0].summary);
    let possible = of_kind(&v, FindingKind::PossibleSlaBreach);
    assert_eq!(possible.len(), 1);
    assert_eq!(possible[0].evidence[0].seq, 2, "the 1.9–2.1 s reply is the possible breach");
    assert_eq!(possible[0].severity, Severity::Low);

    let chat = v.sla.iter().find(|s| s.channel == "chat").expect("chat stats");
    assert_eq!((chat.replies, chat.breaches, chat.possible_breaches), (2, 1, 1));
    assert_eq!(chat.sla_ms, Some(2000.0));
    let p95 = chat.p95.expect("a p95");
    assert!((p95.earliest_ms - 2100.0).abs() < 5.0 && (p95.latest_ms - 2500.0).abs() < 5.0, "{p95:?}");
    let max = chat.max.expect("a max");
    assert_eq!((max.earliest_ms, max.latest_ms), (2100.0, 2500.0));
    let web = v.sla.iter().find(|s| s.channel == "web").expect("web stats");
    assert_eq!(web.breaches + web.possible_breaches, 0);

    let statuses: Vec<SlaStatus> =
        v.journeys.iter().flat_map(|j| &j.walks).flat_map(|w| &w.touchpoints).map(|t| t.sla).collect();
    assert_eq!(statuses, [SlaStatus::Breach, SlaStatus::PossibleBreach, SlaStatus::Met]);
}

/// The handoff scenario: chat issues CASE-1042, email is asked about it.
fn handoff(email_reply: &str) -> Vec<X> {
    let task = Task {
        kind: TaskKind::Scenario,
        id: "refund-handoff".into(),
        persona: "sam".into(),
        repeat: 0,
        question: None,
        channel: None,
    };
    let mut chat = ask("chat", "sam", "refund-policy", "Refunds take 30 days. Your case is CASE-1042.");
    chat.0.task = task.clone();
    chat.0.journey = Some("support".into());
    chat.0.stage = Some("explanation".into());
    chat.0.captures.insert("case_ref".into(), "CASE-1042".into());
    let mut email = ask("email", "sam", "refund-policy", email_reply);
    email.0.task = task;
    email.0.step = 1;
    email.0.journey = Some("support".into());
    email.0.stage = Some("resolution".into());
    email.0.question = None;
    email.0.message = "About CASE-1042: can I still send the router back?".into();
    email.0.recognises = Some(("case_ref".into(), "CASE-1042".into()));
    vec![chat, email]
}

#[test]
fn a_reference_email_cannot_find_is_lost_context() {
    let v = verdict(handoff("Sorry, we couldn't find any record of CASE-1042. Refunds take 30 days."));
    let lost = of_kind(&v, FindingKind::LostContext);
    assert_eq!(lost.len(), 1, "{:#?}", v.findings);
    let f = lost[0];
    // The resolution stage is a moment of truth.
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(f.stage.as_deref(), Some("resolution"));
    assert!(f.summary.contains("issued on chat"), "{}", f.summary);
    assert!(f.evidence[0].excerpt.contains("couldn't find"), "{}", f.evidence[0].excerpt);
    assert_eq!(v.counts.handoffs_lost, 1);

    let walk = &v.journeys.iter().find(|j| j.id == "support").expect("support journey").walks[0];
    let email = &walk.touchpoints[1];
    assert_eq!(email.handoff_from.as_deref(), Some("chat"));
    let h = email.handoff.as_ref().expect("a handoff check");
    assert_eq!(h.from_channel.as_deref(), Some("chat"));
    assert!(!h.recognised);
    assert!(email.critical);
    assert!(v.worst_at_or_above(Severity::Critical));

    for reply in [
        "Thanks for your message. Refunds take 30 days.",
        "Could you send me your case reference number? Refunds take 30 days.",
    ] {
        let v = verdict(handoff(reply));
        assert_eq!(of_kind(&v, FindingKind::LostContext).len(), 1, "{reply}: {:#?}", v.findings);
    }
}

#[test]
fn a_recognised_reference_is_no_finding() {
    let v = verdict(handoff("Hi Sam, thanks — case case-1042 is with our returns team. You have 30 days."));
    assert!(of_kind(&v, FindingKind::LostContext).is_empty(), "{:#?}", v.findings);
    assert_eq!(v.counts.handoffs_checked, 1);
    assert_eq!(v.counts.handoffs_lost, 0);
}

#[test]
fn answers_that_change_between_repeats_are_unstable() {
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "30 days.").repeat(0),
        ask("chat", "sam", "refund-policy", "30 days.").repeat(1),
        ask("chat", "sam", "refund-policy", "Refunds within 14 days.").repeat(2),
        ask("email", "sam", "refund-policy", "30 days.").repeat(0),
        ask("email", "sam", "refund-policy", "30 days.").repeat(1),
    ]);
    let u = of_kind(&v, FindingKind::Unstable);
    assert_eq!(u.len(), 1, "{:#?}", v.findings);
    assert_eq!(u[0].channel.as_deref(), Some("chat"));
    assert_eq!(u[0].persona.as_deref(), Some("sam"));
    assert!(u[0].summary.contains("30 days (2×)") && u[0].summary.contains("14 days (1×)"), "{}", u[0].summary);
    assert_eq!(u[0].evidence.len(), 2);
    // Chat's flakiness explains the difference from email: not reported twice.
    assert!(of_kind(&v, FindingKind::ChannelDisagreement).is_empty(), "{:?}", kinds(&v));
    assert_eq!(of_kind(&v, FindingKind::WrongFact).len(), 1);
}

#[test]
fn answers_that_depend_on_the_segment_are_found() {
    let v = verdict(vec![
        ask("email", "sam", "refund-policy", "New customers get 14 days.").repeat(0),
        ask("email", "sam", "refund-policy", "New customers get 14 days.").repeat(1),
        ask("email", "lee", "refund-policy", "You get 30 days.").repeat(0),
        ask("chat", "sam", "refund-policy", "30 days.").repeat(0),
        ask("chat", "lee", "refund-policy", "30 days.").repeat(0),
    ]);
    let s = of_kind(&v, FindingKind::SegmentDifference);
    assert_eq!(s.len(), 1, "{:#?}", v.findings);
    assert_eq!(s[0].channel.as_deref(), Some("email"));
    assert!(
        s[0].summary.contains("new customers hear 14 days") && s[0].summary.contains("loyal customers hear 30 days"),
        "{}",
        s[0].summary
    );
    assert!(of_kind(&v, FindingKind::ChannelDisagreement).is_empty(), "{:?}", kinds(&v));
    assert!(of_kind(&v, FindingKind::Unstable).is_empty());
}

#[test]
fn the_same_problem_has_the_same_id_in_every_run() {
    let first = verdict(vec![
        ask("chat", "sam", "refund-policy", "30 days."),
        ask("email", "sam", "refund-policy", "Refunds within 14 days."),
    ]);
    // Another run: other times, other order, other wrong value, other words.
    let second = verdict(vec![
        ask("web", "lee", "monthly-price", "£29.99 a month").sent_at(9_000_000),
        ask("email", "sam", "refund-policy", "You have three weeks.").sent_at(5_000_000).latency(10, 20),
        ask("chat", "sam", "refund-policy", "thirty days").sent_at(7_000_000),
    ]);
    let id = |v: &Verdict, k| of_kind(v, k).first().map(|f| f.id.clone());
    assert!(id(&first, FindingKind::WrongFact).is_some());
    assert_eq!(id(&first, FindingKind::WrongFact), id(&second, FindingKind::WrongFact));
    assert_eq!(id(&first, FindingKind::ChannelDisagreement), id(&second, FindingKind::ChannelDisagreement));
    // A different problem has a different id.
    assert_ne!(id(&first, FindingKind::WrongFact), id(&first, FindingKind::ChannelDisagreement));
}

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
    let empty = RecordedRun { header: header(), exchanges: vec![], end: None, torn_tail: true };
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

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever a target answers, analysis and JUnit never panic.
    #[test]
    fn analysis_never_panics(replies in proptest::collection::vec(any::<String>(), 1..6), html in "(<[a-z]{1,6}>|</[a-z]{1,6}>|[^<]{0,20}|CASE-1042|14 days|£29\\.99){0,12}") {
        let (_dir, suite) = suite();
        let channels = ["chat", "email", "web"];
        let mut xs: Vec<X> = replies
            .iter()
            .enumerate()
            .map(|(i, text)| ask(channels[i % 3], if i % 2 == 0 { "sam" } else { "lee" }, "refund-policy", text).repeat(i as u32))
            .collect();
        xs.extend(handoff(&html));
        xs.push(ask("web", "sam", "monthly-price", &html));
        let v = analyze(suite, &run(xs), &AnalyzeOptions::default());
        let mut out = Vec::new();
        write_junit(&v, &mut out).expect("written");
        prop_assert!(serde_json::to_string(&v).is_ok());
        // Every span handed to a renderer slices its text.
        for e in v.findings.iter().flat_map(|f| &f.evidence) {
            if let Some(h) = e.highlight {
                prop_assert!(e.answer.get(h.start..h.end).is_some(), "{:?} in {:?}", h, e.answer);
            }
        }
        for t in v.journeys.iter().flat_map(|j| &j.walks).flat_map(|w| &w.touchpoints) {
            let answer = t.answer.as_deref().unwrap_or("");
            for span in t.facts.iter().filter_map(|f| f.span).chain(t.handoff.as_ref().and_then(|h| h.span)) {
                prop_assert!(answer.get(span.start..span.end).is_some(), "{:?} in {:?}", span, answer);
            }
        }
    }

    #[test]
    fn handoff_check_never_panics(answer in any::<String>(), value in "[A-Za-z0-9 -]{0,12}|\\PC{0,6}") {
        let o = touchpoint::analysis::handoff::check(&answer, &value);
        if let Some(span) = o.span {
            prop_assert!(answer.get(span).is_some());
        }
    }
}

/// Scale check (run with `--ignored --nocapture`, ideally `--release`): the
/// target is a million exchanges in ≤ 10 s and ≤ 1 GB.
#[test]
#[ignore]
fn scale() {
    let (_dir, suite) = suite();
    let n: usize = std::env::var("SCALE_N").ok().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let channels = ["chat", "email", "web"];
    let replies =
        ["You can return it within 30 days.", "Refunds within 14 days of delivery.", "<p>It's £29.99 a month.</p>"];
    let questions = ["refund-policy", "refund-policy", "monthly-price"];
    let xs: Vec<X> = (0..n)
        .map(|i| {
            let q = i % 3;
            ask(channels[i % 3], if i % 2 == 0 { "sam" } else { "lee" }, questions[q], replies[(i / 7) % 3])
                .repeat((i / 6) as u32)
                .latency((i % 3000) as u64, (i % 3000) as u64 + 250)
        })
        .collect();
    let r = run(xs);
    // The share of the time spent in cleaning and fact judging (not analysis's own).
    let t = std::time::Instant::now();
    let locale = suite.locale();
    let mut stated = 0usize;
    for x in &r.exchanges {
        let ch = &suite.channels[&x.channel];
        let text = touchpoint::analysis::clean::clean(
            &x.reply.as_ref().expect("reply").text,
            ch.answer_format(),
            None,
            &x.message,
        )
        .text;
        for f in &x.expects {
            let (spec, value) = suite.expected(f).expect("fact");
            stated += usize::from(!matches!(
                touchpoint::fact::judge(&value, &spec, &text, &locale),
                touchpoint::fact::Judgement::NotStated
            ));
        }
    }
    eprintln!("clean + judge alone: {:?} ({stated} stated)", t.elapsed());
    let rss_before = rss_mb();
    let t = std::time::Instant::now();
    let v = analyze(suite, &r, &AnalyzeOptions::default());
    eprintln!("{n} exchanges analysed in {:?}: {} findings, {} checks", t.elapsed(), v.findings.len(), v.checks.len());
    eprintln!("resident: {rss_before} MB with the run in memory, {} MB with the verdict too", rss_mb());
    let t = std::time::Instant::now();
    let json = serde_json::to_vec(&v).expect("json");
    eprintln!("verdict.json {} MB in {:?}", json.len() / 1_000_000, t.elapsed());
}

/// Resident memory in MB (Linux; 0 elsewhere).
fn rss_mb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096 / 1_000_000
}
