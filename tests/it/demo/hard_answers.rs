//! Precision on the demo: the example suite walked for real against the
//! embedded demo, whose correct answers are worded the hard way contact
//! centres word them (src/demo/knowledge.rs, the email footer in
//! src/demo/letter.rs). Every one of them is judged correct on its channel
//! and is no finding; every planted problem is still found, each once.

use std::collections::{BTreeSet, HashMap};

use crate::common;
use touchpoint::analysis::AnalyzeOptions;
use touchpoint::artifacts;
use touchpoint::demo::{self, DemoConfig};
use touchpoint::verdict::{FactOutcome, Finding, FindingKind, Verdict};

/// A correct answer worded the hard way: on `channel`, to `question`, the
/// raw reply says every one of `says` (the hard wording, and values of the
/// same kind that are not the fact), and `fact` is judged correct.
struct Hard {
    channel: &'static str,
    question: &'static str,
    fact: &'static str,
    says: &'static [&'static str],
}

const fn hard(
    channel: &'static str,
    question: &'static str,
    fact: &'static str,
    says: &'static [&'static str],
) -> Hard {
    Hard { channel, question, fact, says }
}

/// Every hard-but-correct answer the demo gives, by category: phones with
/// "(24/7)", "(free)", "+44 (0)" and dashes; yes/no with "don't charge …
/// (£0)"; sub-penny money; an APR with "representative" around it; durations in another unit; hours with Saturdays,
/// "noon" and "closed Sundays"; URLs with tracking queries and trailing
/// slashes; an obfuscated email address; dates in three formats; and
/// distractors beside them (footers, a signature's direct line, the
/// customer's own address, "You asked whether it's £20", other products).
const HARD: &[Hard] = &[
    // Live chat
    hard("chat", "refund-policy", "refund_window", &["thirty days"]),
    hard("chat", "refund-policy", "returns_page", &["/help/returns/?utm_source=chat&utm_medium=assistant"]),
    hard("chat", "monthly-price", "monthly_price", &["£29.99 a month"]),
    hard("chat", "monthly-price", "talk_price", &["53.35p per day"]),
    hard("chat", "monthly-price", "price_change_date", &["01/04/2027"]),
    hard("chat", "contact-phone", "support_phone", &["<b>0800 123 4567</b> (24/7 for faults)"]),
    hard("chat", "contact-phone", "support_email", &["help [at] acme-broadband.example"]),
    hard("chat", "opening-hours", "opening_hours", &["Saturdays 9am till noon", "closed on Sundays"]),
    hard("chat", "installation", "free_installation", &["there's no charge for installation"]),
    hard("chat", "installation", "installer", &["An Openreach engineer"]),
    hard("chat", "loyalty", "contract_length", &["another twelve months"]),
    hard("chat", "loyalty", "loyalty_discount", &["10% loyalty discount"]),
    hard("chat", "loyalty", "free_to_leave", &["we don't charge an exit fee (£0)"]),
    hard("chat", "router-finance", "router_finance_apr", &["9.9% APR (representative)"]),
    hard("chat", "router-finance", "finance_decision", &["within 2 hours", "over 12 months"]),
    // Email: every reply also carries a signature's direct line, a footer
    // with other numbers, a call price and a link, and the customer's own
    // address ("This email was sent to …", "… wrote:").
    hard("email", "refund-policy", "returns_page", &["/help/returns/ ", "https://acme-broadband.example/account/"]),
    hard(
        "email",
        "monthly-price",
        "monthly_price",
        &["You asked whether it's £20 a month", "29.99 GBP per month", "up to 9p per minute"],
    ),
    hard("email", "monthly-price", "talk_price", &["£0.5335 per day"]),
    hard("email", "monthly-price", "price_change_date", &["1st April 2027"]),
    hard("email", "contact-phone", "support_phone", &["+44 (0)800 123 4567 (free", "Direct line: 0333 000 1234"]),
    hard("email", "contact-phone", "support_email", &["help@acme-broadband.example", "This email was sent to "]),
    hard("email", "opening-hours", "opening_hours", &["Sat 9am-12pm (closed Sundays"]),
    hard("email", "installation", "installation_time", &["five working days"]),
    hard("email", "installation", "free_installation", &["free of charge (normally £60)"]),
    hard("email", "installation", "installer", &["installed by Openreach", "by Royal Mail"]),
    hard("email", "loyalty", "contract_length", &["runs for 1 year"]),
    hard("email", "loyalty", "loyalty_discount", &["ten per cent"]),
    hard("email", "loyalty", "free_to_leave", &["There's no exit fee if you leave"]),
    hard("email", "cancellation", "cancellation_notice", &["30 days' notice"]),
    hard("email", "router-finance", "router_finance_apr", &["9.9% APR representative (fixed)", "a 2% late fee"]),
    hard("email", "router-finance", "finance_decision", &["approved within 120 minutes", "over 12 months costs"]),
    // Help centre
    hard(
        "web",
        "refund-policy",
        "refund_window",
        &["within 30 days", "within 5 working days of the router reaching us"],
    ),
    hard("web", "refund-policy", "returns_page", &["/help/returns?utm_source=help_centre"]),
    hard("web", "monthly-price", "monthly_price", &["£29.99/mo", "Acme Fibre Max costs £39.99/mo"]),
    hard("web", "monthly-price", "talk_price", &["53.35p/day"]),
    hard("web", "monthly-price", "price_change_date", &["April 1, 2027", "last updated on 12/11/2026"]),
    hard("web", "contact-phone", "support_phone", &["0800-123-4567 (free)", "call 0800 765 4321", "+44 800 123 4567"]),
    hard("web", "contact-phone", "support_email", &["business@acme-broadband.example"]),
    hard("web", "opening-hours", "opening_hours", &["Saturday 09:00–12:00", "closed on Sundays", "8am–1pm or 1pm–6pm"]),
    hard("web", "installation", "installation_time", &["within 5 working days", "within 2 days"]),
    hard("web", "installation", "free_installation", &["free of charge"]),
    hard("web", "installation", "installer", &["Openreach installs the line", "moving from Virgin Media"]),
    hard("web", "loyalty", "contract_length", &["last a year", "their first 3 months"]),
    hard("web", "loyalty", "loyalty_discount", &["10 percent", "15% off"]),
    hard("web", "loyalty", "free_to_leave", &["Leaving at the end of your contract is free of charge"]),
    hard("web", "cancellation", "cancellation_notice", &["ends 30 days later"]),
    hard("web", "router-finance", "router_finance_apr", &["a representative 9.9% APR", "get 20% off"]),
    hard("web", "router-finance", "finance_decision", &["We decide on most applications in about two hours"]),
];

/// The planted problems, one root cause each: (kind, channel, fact).
const PLANTED: &[(FindingKind, Option<&str>, Option<&str>)] = &[
    (FindingKind::WrongFact, Some("email"), Some("refund_window")), // 14 days, not 30
    (FindingKind::WrongFact, Some("chat"), Some("installation_time")), // 10 working days, not 5
    (FindingKind::LostContext, Some("email"), Some("case_ref")),    // chat's case unknown to email
    (FindingKind::CustomerDataLeak, Some("email"), None),           // Raj Patel's account to everyone
    (FindingKind::LeakedPlaceholder, Some("email"), None),          // "Hi {{first_name}}"
    (FindingKind::ForbiddenClaim, Some("web"), None),               // "guaranteed for life"
    (FindingKind::Markup, Some("chat"), None),                      // <b> in a text answer
    (FindingKind::Fallback, Some("chat"), None),                    // cancelling falls back
    (FindingKind::SlaBreach, Some("email"), None),                  // 3 s replies, 1 s level
];

/// A finding's place, to compare with [`PLANTED`].
fn place(f: &Finding) -> (FindingKind, Option<&str>, Option<&str>) {
    (f.kind, f.channel.as_deref(), f.fact.as_deref())
}

/// Findings counted by root cause: a channel disagreement on a fact that a
/// wrong-fact finding already reports is that finding, not another problem
/// (whether or not the analysis folds it in).
fn root_causes(v: &Verdict) -> Vec<&Finding> {
    let wrong: BTreeSet<&str> =
        v.findings.iter().filter(|f| f.kind == FindingKind::WrongFact).filter_map(|f| f.fact.as_deref()).collect();
    v.findings
        .iter()
        .filter(|f| {
            !(f.kind == FindingKind::ChannelDisagreement && f.fact.as_deref().is_some_and(|x| wrong.contains(x)))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hard_but_correct_answers_are_no_finding_and_every_planted_problem_is() {
    // Real time: email's 3 s reply must breach its 1 s level (about 8 s).
    let demo = demo::start(([127, 0, 0, 1], 0).into(), DemoConfig { seed: 11, time_scale: 1.0 }).await.unwrap();
    let reports = tempfile::tempdir().unwrap();
    let suite = common::load(&common::example_suite());
    let run = common::run(suite.clone(), common::options(reports.path(), &demo.url())).await;
    let written = artifacts::write_all(&run.dir, &suite, &AnalyzeOptions::default()).expect("derive the run's files");
    let v = &written.verdict;
    let record = touchpoint::record::read_run(&run.dir).unwrap();

    // The raw replies, by (channel, question): the hard wording is really there.
    let mut replies: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for x in &record.exchanges {
        if let (Some(question), Some(reply)) = (x.question.as_deref(), x.reply.as_ref()) {
            replies.entry((x.channel.as_str(), question)).or_default().push(reply.text.as_str());
        }
    }
    // Every judgement of a fact on a channel, from the walks' touchpoints.
    let mut judged: HashMap<(&str, &str), Vec<FactOutcome>> = HashMap::new();
    let touchpoints = v.journeys.iter().flat_map(|j| &j.walks).flat_map(|w| &w.touchpoints);
    for t in touchpoints {
        for check in &t.facts {
            judged.entry((t.channel.as_str(), check.fact.as_str())).or_default().push(check.outcome);
        }
    }

    // (a) Each hard-but-correct answer is read, and read as correct.
    for h in HARD {
        let said =
            replies.get(&(h.channel, h.question)).unwrap_or_else(|| panic!("{} never asked {}", h.channel, h.question));
        for words in h.says {
            assert!(
                said.iter().any(|r| r.contains(words)),
                "{} on {} says {words:?}: {said:#?}",
                h.channel,
                h.question
            );
        }
        let outcomes = judged.get(&(h.channel, h.fact)).unwrap_or_else(|| panic!("{} on {} judged", h.fact, h.channel));
        assert!(
            outcomes.iter().all(|outcome| *outcome == FactOutcome::Correct),
            "{} on {} ({:?}) is correct every time: {outcomes:?}",
            h.fact,
            h.channel,
            h.says
        );
        let row = v.matrix.iter().find(|r| r.fact == h.fact && r.question == h.question).expect("a matrix row");
        let cells: Vec<_> = row.cells.iter().filter(|c| c.channel == h.channel).collect();
        assert!(
            !cells.is_empty() && cells.iter().all(|c| c.values.iter().all(|x| x.matches_map == Some(true))),
            "{row:#?}"
        );
    }

    // (b) No finding is about any of them.
    for f in &v.findings {
        let about_hard = HARD
            .iter()
            .any(|h| f.fact.as_deref() == Some(h.fact) && f.channel.as_deref().is_none_or(|c| c == h.channel));
        let planted = PLANTED.iter().any(|p| (p.0, p.2) == (f.kind, f.fact.as_deref()))
            || f.kind == FindingKind::ChannelDisagreement
                && PLANTED.iter().any(|p| p.0 == FindingKind::WrongFact && p.2 == f.fact.as_deref());
        assert!(!about_hard || planted, "a finding about a hard but correct answer: {f:#?}");
        // A disagreement shows the channels that are right beside the one
        // that is wrong; every other finding must not point at a hard answer.
        if f.kind == FindingKind::ChannelDisagreement {
            continue;
        }
        let marked: Vec<&str> =
            f.evidence.iter().filter_map(|e| e.highlight.and_then(|h| e.answer.get(h.start..h.end))).collect();
        for h in HARD {
            for words in h.says.iter().filter(|w| !w.contains("0800 123 4567")) {
                assert!(!marked.iter().any(|m| m.contains(words)), "{:?} highlights {words:?}", f.kind);
            }
        }
    }

    // (c) + (d) Every planted problem is found, and nothing else: one
    // finding per root cause.
    let mut found: Vec<_> = root_causes(v).into_iter().map(place).collect();
    found.sort();
    let mut planted = PLANTED.to_vec();
    planted.sort();
    assert_eq!(found, planted, "{:#?}", v.findings);
    demo.shutdown().await;
}
