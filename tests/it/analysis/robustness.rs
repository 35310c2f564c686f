//! Hostile reply text never panics the analysis; the scale check (ignored by default).

use super::*;

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
