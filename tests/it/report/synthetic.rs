//! Synthetic runs: hostile text escaped everywhere, a bounded report for a
//! large run, an audit's changes, and the synthetic view's golden file.

use super::golden::golden;
use super::*;

/// Text a hostile target could send, in every shape that breaks naive output.
pub(super) const NASTY: &str =
    "<script>alert(1)</script><img src=x onerror=alert(2)> ]]> {{ 7*7 }} {% raw %} \"' &amp; </textarea>";

#[test]
fn hostile_text_is_escaped_everywhere_it_is_rendered() {
    let (verdict, run) = synthetic(3, NASTY);
    let html = render_html(&build_view(&verdict, &run)).expect("the report renders");
    for raw in ["<script>alert", "<img src=x", "]]>", "</textarea>", "onerror=alert(2)>"] {
        assert!(!html.contains(raw), "`{raw}` must not appear unescaped");
    }
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "the text is shown, escaped");
    assert!(html.contains("onerror=alert(2)&gt;"), "attributes stay inert text");
    assert!(html.contains("]]&gt;"));
    assert!(html.contains("{{ 7*7 }}") && !html.contains(" 49 "), "template syntax in data is not evaluated");
    assert!(html.contains("<mark>"), "the highlighted value is marked");
    // Our own script is the only one, and the policy pins it.
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("script-src 'sha256-") || html.contains("script-src &#x27;sha256-"));
}

#[test]
fn a_run_of_ten_thousand_exchanges_gives_a_bounded_report_that_opens_quickly() {
    let (verdict, run) = synthetic(10_000, &"All good. ".repeat(2_000));
    let started = Instant::now();
    let html = render_html(&build_view(&verdict, &run)).expect("the report renders");
    let took = started.elapsed();
    assert!(html.len() < 8 << 20, "the report is {} MB", html.len() >> 20);
    assert!(took < Duration::from_secs(20), "building and rendering took {took:?}");
    assert!(html.contains("exchanges are shown"), "the cap is stated");

    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("report.html");
    std::fs::write(&path, &html).expect("the report is written");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let load = rt
        .block_on(async {
            let mut b = browser::Browser::launch().await?;
            b.open_page().await?;
            let started = Instant::now();
            b.navigate(&format!("file://{}", path.display())).await?;
            let load = started.elapsed();
            b.close().await;
            Ok::<_, browser::Error>(load)
        })
        .expect("chromium opens the report");
    assert!(load < Duration::from_secs(10), "chromium took {load:?} to load it");
}

#[test]
fn a_scheduled_audit_shows_what_changed_since_the_previous_run() {
    use touchpoint::history::{Changes, FindingRef, Persisting, RunRef};
    let (mut verdict, run) = synthetic(4, "Refunds are accepted within 14 days of delivery.");
    let since =
        RunRef { run_id: "20250105-090000-prev".into(), started_at: verdict.started_at - chrono::Duration::days(1) };
    let gone = FindingRef {
        id: "0badc0de0badc0de".into(),
        kind: verdict::FindingKind::SlaBreach,
        severity: verdict::Severity::Medium,
        channel: Some("email".into()),
        question: None,
        fact: None,
        summary: format!("Email was slow. {NASTY}"),
    };
    verdict.changes = Some(Changes {
        since,
        new: vec![verdict.findings[0].id.clone()],
        persisting: Vec::<Persisting>::new(),
        fixed: vec![gone],
    });
    let html = render_html(&build_view(&verdict, &run)).expect("the report renders");
    assert!(html.contains("New since the last run"), "the finding is tagged new");
    assert!(html.contains("20250105-090000-prev"), "the run compared with is named");
    assert!(html.contains("Email was slow. &lt;script&gt;"), "fixed findings are listed, escaped");
    assert!(html.contains("href=\"#f-00c0ffee00c0ffee\""), "new findings link to their evidence");
}

#[test]
fn the_view_of_a_synthetic_run_matches_the_golden_file() {
    let (verdict, run) = synthetic(4, "Refunds are accepted within 14 days of delivery.");
    let view = serde_json::to_value(build_view(&verdict, &run)).expect("the view serialises");
    golden("report_view_synthetic.json", &view);
}

/// A run of `n` chat and email exchanges answering `answer`, with a
/// verdict that finds the refund window wrong on email.
pub(super) fn synthetic(n: usize, answer: &str) -> (Verdict, RecordedRun) {
    let started =
        chrono::DateTime::parse_from_rfc3339("2025-01-06T09:00:00Z").expect("a date").with_timezone(&chrono::Utc);
    // Two steps per walk (chat, then email), walks spread over three personas.
    let task = |i: usize| record::Task {
        kind: record::TaskKind::Scenario,
        id: "refund".into(),
        persona: format!("persona-{}", (i / 2) % 3),
        repeat: (i / 6) as u32,
        question: None,
        channel: None,
    };
    let channel = |i: usize| if i.is_multiple_of(2) { "chat" } else { "email" };
    let exchanges: Vec<record::Exchange> = (0..n)
        .map(|i| record::Exchange {
            seq: i as u64,
            task: task(i),
            step: i % 2,
            journey: Some("support".into()),
            stage: Some(if i % 2 == 0 { "first-contact" } else { "resolution" }.into()),
            channel: channel(i).into(),
            persona_segment: "prospect".into(),
            question: Some("refund-policy".into()),
            expects: vec!["refund_window".into()],
            recognises: None,
            message: format!("How long do I have to return it? {NASTY}"),
            t_sent_us: i as u64 * 1_000_000,
            http: vec![],
            reply: Some(record::Reply {
                text: answer.to_string(),
                item: None,
                t_earliest_us: i as u64 * 1_000_000 + 300_000 + (i as u64 % 7) * 100_000,
                t_latest_us: i as u64 * 1_000_000 + 450_000 + (i as u64 % 7) * 100_000,
                ..Default::default()
            }),
            captures: BTreeMap::new(),
            error: None,
        })
        .collect();
    let at = answer.find("14 days");
    let span = at.map(|s| verdict::Span { start: s, end: s + "14 days".len() });
    let evidence = exchanges
        .iter()
        .filter(|x| x.channel == "email")
        .take(2)
        .map(|x| verdict::Evidence {
            seq: x.seq,
            channel: x.channel.clone(),
            persona: x.task.persona.clone(),
            t_sent_us: x.t_sent_us,
            message: x.message.clone(),
            excerpt: NASTY.into(),
            answer: answer.chars().take(2000).collect(),
            answer_offset: 0,
            highlight: span.or(Some(verdict::Span { start: 0, end: answer.len().min(10) })),
            http: vec![],
        })
        .collect();
    let touchpoint = |x: &record::Exchange| verdict::Touchpoint {
        seq: x.seq,
        step: x.step,
        stage: x.stage.clone(),
        channel: x.channel.clone(),
        question: x.question.clone(),
        message: x.message.clone(),
        t_sent_us: x.t_sent_us,
        answer: Some(answer.chars().take(500).collect()),
        facts: vec![verdict::FactCheck {
            fact: "refund_window".into(),
            outcome: if x.channel == "email" { verdict::FactOutcome::Wrong } else { verdict::FactOutcome::Correct },
            expected: Some("30 days".into()),
            found: Some(if x.channel == "email" { format!("14 days {NASTY}") } else { "30 days".into() }),
            others: vec![],
            span: None,
            excerpt: None,
            anchor: None,
        }],
        handoff: (x.channel == "email").then(|| verdict::HandoffCheck {
            name: "case_ref".into(),
            value: format!("CASE-1{NASTY}"),
            from_channel: Some("chat".into()),
            recognised: false,
            reason: Some(NASTY.into()),
            span: None,
        }),
        handoff_from: (x.channel == "email").then(|| "chat".to_string()),
        latency: x.latency_ms().map(|(a, b)| verdict::Interval { earliest_ms: a, latest_ms: b }),
        sla_ms: Some(1000.0),
        sla: verdict::SlaStatus::Met,
        error: None,
        score: Some(if x.channel == "email" { 2.0 } else { 5.0 }),
        feeling: Some(if x.channel == "email" { verdict::Feeling::Frustrated } else { verdict::Feeling::Satisfied }),
        critical: x.channel == "email",
        findings: vec![],
    };
    let mut walks: BTreeMap<String, verdict::Walk> = BTreeMap::new();
    for x in &exchanges {
        let w = walks.entry(x.task.key()).or_insert_with(|| verdict::Walk {
            task: x.task.key(),
            persona: x.task.persona.clone(),
            segment: x.persona_segment.clone(),
            repeat: x.task.repeat,
            score: Some(60.0),
            feeling: Some(verdict::Feeling::Neutral),
            touchpoints: vec![],
        });
        w.touchpoints.push(touchpoint(x));
    }
    let stage = |id: &str, name: &str, critical: bool| verdict::StageView {
        id: id.into(),
        name: name.into(),
        critical,
        touchpoints: 1,
        score: Some(3.5),
        feeling: Some(verdict::Feeling::Neutral),
    };
    let values = |v: &str, ok: bool| verdict::ValueCount { value: v.into(), count: 2, matches_map: Some(ok) };
    let v = Verdict {
        schema_version: verdict::SCHEMA_VERSION,
        tool_version: "0.0.0-test".into(),
        run_id: "20250106-090000-test".into(),
        suite: "scenarios/synthetic".into(),
        company: format!("Acme {NASTY}"),
        suite_digest: "0123456789abcdef0123".into(),
        target: "http://127.0.0.1:9".into(),
        started_at: started,
        finished_at: Some(started + chrono::Duration::seconds(n as i64)),
        duration_ms: n as f64 * 1000.0,
        complete: true,
        torn_tail: false,
        fail_on: verdict::Severity::High,
        counts: verdict::Counts {
            exchanges: n as u64,
            replies: n as u64,
            findings: verdict::SeverityCounts { high: 1, ..Default::default() },
            ..Default::default()
        },
        score: Some(62.0),
        feeling: Some(verdict::Feeling::Neutral),
        journeys: vec![verdict::JourneyView {
            id: "support".into(),
            name: format!("Support {NASTY}"),
            sweep: false,
            stages: vec![stage("first-contact", "First contact", false), stage("resolution", "Resolution", true)],
            channels: vec!["chat".into(), "email".into()],
            score: Some(62.0),
            feeling: Some(verdict::Feeling::Neutral),
            walks: walks.into_values().collect(),
            walks_omitted: 0,
        }],
        matrix: vec![verdict::MatrixRow {
            question: "refund-policy".into(),
            fact: "refund_window".into(),
            label: "Refund window".into(),
            expected: Some("30 days".into()),
            cells: vec![
                verdict::MatrixCell {
                    channel: "chat".into(),
                    segment: "prospect".into(),
                    values: vec![values("30 days", true)],
                    not_stated: 0,
                    no_reply: 0,
                    empty: None,
                },
                verdict::MatrixCell {
                    channel: "email".into(),
                    segment: "prospect".into(),
                    values: vec![values(&format!("14 days {NASTY}"), false)],
                    not_stated: 1,
                    no_reply: 0,
                    empty: None,
                },
            ],
            consistent: false,
        }],
        sla: ["chat", "email"]
            .into_iter()
            .map(|c| verdict::SlaStats {
                channel: c.into(),
                sla_ms: Some(1000.0),
                replies: n as u64 / 2,
                no_reply: 0,
                p50: Some(verdict::Interval { earliest_ms: 500.0, latest_ms: 650.0 }),
                p95: Some(verdict::Interval { earliest_ms: 850.0, latest_ms: 1000.0 }),
                max: Some(verdict::Interval { earliest_ms: 900.0, latest_ms: 1050.0 }),
                breaches: 0,
                possible_breaches: 1,
                first_text_p50_ms: None,
                first_text_p95_ms: None,
            })
            .collect(),
        findings: vec![verdict::Finding {
            id: "00c0ffee00c0ffee".into(),
            kind: verdict::FindingKind::WrongFact,
            severity: verdict::Severity::High,
            journey: Some("support".into()),
            stage: Some("resolution".into()),
            channel: Some("email".into()),
            persona: Some("persona-1".into()),
            segment: Some("prospect".into()),
            question: Some("refund-policy".into()),
            fact: Some("refund_window".into()),
            expected: Some("30 days".into()),
            found: Some(format!("14 days {NASTY}")),
            occurrences: n as u64 / 2,
            evidence,
            summary: format!("Email says the refund window is 14 days; the map says 30 days. {NASTY}"),
        }],
        checks: vec![],
        fallbacks: Vec::new(),
        changes: None,
        run_problems: vec![],
        trend: None,
        names: verdict::Names {
            channels: [("email".to_string(), "Email (help desk)".to_string())].into(),
            personas: [("persona-1".to_string(), "Prepay Pat".to_string())].into(),
            questions: [("refund-policy".to_string(), format!("Refunds {NASTY}"))].into(),
        },
        fix_first: vec![verdict::Priority {
            rank: 1,
            action: format!("Correct the refund window on email: it says 14 days; the map says 30 days. {NASTY}"),
            severity: verdict::Severity::High,
            findings: vec!["00c0ffee00c0ffee".into()],
            personas: 3,
            segments: vec!["prospect".into()],
            channels: vec!["email".into()],
            critical_stage: true,
            impact: 48.0,
            reach: "3 customers (prospect segment), at a moment of truth".into(),
        }],
        callbacks: Vec::new(),
    };
    let run = RecordedRun {
        header: record::Header {
            schema: record::SCHEMA,
            run_id: v.run_id.clone(),
            suite: v.suite.clone(),
            company: v.company.clone(),
            suite_digest: v.suite_digest.clone(),
            tool_version: v.tool_version.clone(),
            seed: 7,
            started_at: started,
            target: v.target.clone(),
            concurrency: 1,
            repeat: 1,
            planned_tasks: n,
            only: None,
            resumed_from: None,
            group: None,
        },
        exchanges,
        end: None,
        torn_tail: false,
        late: Default::default(),
    };
    (v, run)
}
