//! A contact centre touchpoint has never seen, judged as an evaluator
//! would: Skylark Airways (`server.rs`) over three vendor shapes, reached
//! by configuration alone (`scenarios/recipes/ticket-desk`). Every fact is
//! stated correctly in phrasings the corpus did not hold, except five
//! planted defects (`answers.rs`, marked `PLANTED`); the noise around them
//! (a greeting with today's date, a quoted thread with old values, an
//! Outlook "From:/Sent:" history, a signature's direct line and address,
//! legal, confidentiality and marketing footers, a reference that looks
//! like a phone number, "Last updated:" and "79% found this helpful" in the
//! article, an acknowledgement with its own duration, a 503 retried, an
//! answer listed twice in one poll) must never be a finding.

mod answers;
mod energy;
mod insurer;
mod server;

use crate::recipes::run_recipe;
use std::collections::BTreeSet;
use touchpoint::verdict::{Finding, FindingKind, Verdict};

/// Asserts that the verdict's findings are exactly `planted` — (kind,
/// channel, fact), each found once — and that every wrong fact absorbed its
/// channel disagreement rather than standing beside it as a second finding.
/// Returns a lookup of the finding of a kind on a channel.
pub(crate) fn assert_exactly<'v>(
    v: &'v Verdict,
    planted: &[(FindingKind, &str, Option<&str>)],
) -> impl Fn(FindingKind, &str) -> &'v Finding {
    let key = |kind: &FindingKind, channel: Option<&str>, fact: Option<&str>| {
        (format!("{kind:?}"), channel.map(str::to_owned), fact.map(str::to_owned))
    };
    let found: BTreeSet<_> = v.findings.iter().map(|f| key(&f.kind, f.channel.as_deref(), f.fact.as_deref())).collect();
    let planted_set: BTreeSet<_> = planted.iter().map(|(k, c, f)| key(k, Some(c), *f)).collect();
    let summaries: Vec<&str> = v.findings.iter().map(|f| f.summary.as_str()).collect();
    assert_eq!(found, planted_set, "{summaries:#?}");
    assert_eq!(v.findings.len(), planted.len(), "each planted defect found once: {summaries:#?}");

    let folded: Vec<&str> = v.checks.iter().filter_map(|c| c.folded_into.as_deref()).collect();
    for wrong in v.findings.iter().filter(|f| f.kind == FindingKind::WrongFact) {
        assert!(folded.contains(&wrong.id.as_str()), "{}'s disagreement folded into it: {folded:?}", wrong.id);
    }
    move |kind, channel| {
        v.findings.iter().find(|f| f.kind == kind && f.channel.as_deref() == Some(channel)).expect("a planted finding")
    }
}

#[tokio::test]
async fn unseen_airline_is_judged_on_exactly_its_planted_defects() {
    std::env::set_var("DESK_API_TOKEN", server::TOKEN);
    let (url, state) = server::start().await;
    let ran = run_recipe("ticket-desk", &url).await;
    let v = &ran.verdict;

    // Reached by configuration alone: every exchange answered, nothing sent twice.
    assert_eq!(ran.run.exchanges.len(), 30, "5 questions × 3 channels × 2 personas");
    for x in &ran.run.exchanges {
        assert!(x.error.is_none(), "{:?}: {:?}", x.task, x.error);
        let reply = &x.reply.as_ref().expect("a reply").text;
        assert!(!reply.contains("Good morning"), "the greeting before the question is not the reply: {reply}");
        assert!(!reply.contains("We've received your request"), "the acknowledgement is not the reply: {reply}");
    }
    for x in ran.run.exchanges.iter().filter(|x| x.task.channel.as_deref() == Some("chat")) {
        let reply = &x.reply.as_ref().unwrap().text;
        let message = x.message.as_str();
        let whole = answers::chat(answers::topic(message), if x.task.persona == "bo" { "Bo Chen" } else { "Ann Lee" });
        // Ann's answer listed twice is read once; Bo's two bubbles are read as one answer.
        assert_eq!(reply.split_whitespace().collect::<Vec<_>>(), whole.split_whitespace().collect::<Vec<_>>());
    }
    {
        let s = state.lock().unwrap();
        assert_eq!((s.chat_messages, s.tickets_opened, s.searches), (10, 10, 11), "one 503'd search retried once");
    }
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);

    // Exactly the planted defects, each once.
    let by = assert_exactly(
        v,
        &[
            (FindingKind::WrongFact, "help", Some("bag_fee")),
            (FindingKind::WrongFact, "email", Some("refund_time")),
            (FindingKind::LeakedPlaceholder, "email", None),
            (FindingKind::CustomerDataLeak, "chat", None),
            (FindingKind::SlaBreach, "email", None),
        ],
    );
    let fee = by(FindingKind::WrongFact, "help");
    assert_eq!((fee.found.as_deref(), fee.expected.as_deref(), fee.occurrences), (Some("£30"), Some("£25"), 2));
    let refund = by(FindingKind::WrongFact, "email");
    assert_eq!((refund.found.as_deref(), refund.occurrences), (Some("21 days"), 2));
    assert_eq!(by(FindingKind::LeakedPlaceholder, "email").persona.as_deref(), Some("bo"));
    let leak = by(FindingKind::CustomerDataLeak, "chat");
    assert_eq!((leak.persona.as_deref(), leak.question.as_deref()), (Some("bo"), Some("refund")));
    assert_eq!(by(FindingKind::SlaBreach, "email").occurrences, 10, "every email reply was slow");

    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors), (30, 30, 0));
    assert_eq!((c.facts_checked, c.facts_correct, c.facts_wrong, c.facts_not_stated), (66, 62, 4, 0));
    let s = &c.findings;
    assert_eq!((s.critical, s.high, s.medium, s.low, s.info), (1, 3, 1, 0, 0));
}
