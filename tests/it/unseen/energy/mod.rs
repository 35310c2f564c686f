//! A second contact centre touchpoint has never seen: Brightwater Energy
//! (`server.rs`), reached by configuration alone over three vendor shapes
//! unlike the airline's (`scenarios/recipes/direct-line`). Every fact is
//! stated correctly in phrasings the corpus did not hold, except five
//! planted defects (`answers.rs`, marked `PLANTED`); the noise around them
//! (a greeting with today's date and "105", a holding message before the
//! answer, an answer listed twice, an acknowledgement with its own ticket
//! number and "2 working days", a callback delivered twice, a quoted
//! earlier message with old prices, an instruction "reply with your
//! [ACCOUNT NUMBER]", a case number that looks like a phone number, a
//! signature's direct line, legal and marketing footers, Citizens Advice's
//! number, a help page's sales line, "Last updated" and "83% found this
//! helpful", the other rates of a table, next year's price beside this
//! year's, a gas emergency line open 24 hours, a "Was this article
//! helpful? Yes No" widget, a chat reference with a phone's digits, a 503
//! on a search and on a poll, retried) must never be a finding.

mod answers;
mod server;

use crate::recipes::{run_recipe, run_suite};
use std::collections::BTreeSet;
use touchpoint::verdict::FindingKind;

#[tokio::test]
async fn unseen_energy_supplier_is_judged_on_exactly_its_planted_defects() {
    std::env::set_var("DIRECTLINE_SECRET", server::SECRET);
    std::env::set_var("HELPDESK_API_KEY", server::API_KEY);
    std::env::set_var("HELPDESK_SIGNING_SECRET", server::SIGNING);
    let (url, state) = server::start().await;
    let ran = run_recipe("direct-line", &url).await;
    let v = &ran.verdict;

    // Reached by configuration alone: every exchange answered, nothing sent twice.
    assert_eq!(ran.run.exchanges.len(), 30, "5 questions × 3 channels × 2 personas");
    for x in &ran.run.exchanges {
        assert!(x.error.is_none(), "{:?}: {:?}", x.task, x.error);
        let reply = &x.reply.as_ref().expect("a reply").text;
        assert!(!reply.contains("Good morning"), "the greeting is not the reply: {reply}");
        assert!(!reply.contains("we've opened ticket"), "the acknowledgement is not the reply: {reply}");
    }
    for x in ran.run.exchanges.iter().filter(|x| x.channel == "chat") {
        let reply = &x.reply.as_ref().unwrap().text;
        let name = if x.task.persona == "jonas" { "Jonas Weber" } else { "Alice Morgan" };
        let answer = answers::chat(answers::topic(&x.message), name);
        // The answer a poll after "Let me check…" is read (`settle`), once,
        // though Alice's is listed twice.
        assert!(reply.ends_with(&answer), "the whole answer: {reply}");
        assert_eq!(reply.matches(&answer).count(), 1, "{reply}");
    }
    {
        let s = state.lock().unwrap();
        assert_eq!((s.chat_messages, s.emails, s.searches), (10, 10, 11), "one 503'd search retried once");
        assert_eq!(s.deliveries.len(), 30, "an acknowledgement and a reply delivered twice, per email");
        assert!(
            s.deliveries.iter().all(|status| (200..300).contains(status)),
            "every signed callback accepted: {:?}",
            s.deliveries
        );
    }
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    let email = v.callbacks.iter().find(|c| c.channel == "email").expect("email callbacks");
    // The retried delivery is never read: a duplicate if it came while the
    // conversation was open, late if after.
    assert_eq!((email.received, email.duplicates + email.late, email.invalid_signature), (30, 10, 0), "{email:?}");

    // Exactly the planted defects, each once.
    let by = super::assert_exactly(
        v,
        &[
            (FindingKind::WrongFact, "email", Some("unit_rate")),
            (FindingKind::WrongFact, "help", Some("switch_time")),
            (FindingKind::LeakedPlaceholder, "email", None),
            (FindingKind::CustomerDataLeak, "chat", None),
            (FindingKind::SlaBreach, "chat", None),
        ],
    );
    let rate = by(FindingKind::WrongFact, "email");
    assert_eq!(
        (rate.found.as_deref(), rate.expected.as_deref(), rate.occurrences),
        (Some("25.4p per kWh"), Some("24.5p per kWh"), 2)
    );
    let switch = by(FindingKind::WrongFact, "help");
    assert_eq!((switch.found.as_deref(), switch.occurrences), (Some("4 weeks"), 2));
    let placeholder = by(FindingKind::LeakedPlaceholder, "email");
    assert_eq!((placeholder.persona.as_deref(), placeholder.found.as_deref()), (Some("jonas"), Some("[FIRST NAME]")));
    let leak = by(FindingKind::CustomerDataLeak, "chat");
    assert_eq!((leak.persona.as_deref(), leak.question.as_deref()), (Some("jonas"), Some("tariff")));
    let slow = by(FindingKind::SlaBreach, "chat");
    assert_eq!(slow.occurrences, 2, "only the complaint answer (a human agent) was slow: {}", slow.summary);

    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors), (30, 30, 0));
    assert_eq!((c.facts_checked, c.facts_correct, c.facts_wrong, c.facts_not_stated), (54, 50, 4, 0));
    let s = &c.findings;
    assert_eq!((s.critical, s.high, s.medium, s.low, s.info), (1, 3, 1, 0, 0));
}

/// Without `settle`, the bot's "Let me check that for you…" alone was read
/// as its answer and every chat fact was "not stated" (findings about our
/// reading, not the company): a holding message is waited past.
#[tokio::test]
async fn a_holding_message_is_waited_past_without_settle() {
    std::env::set_var("DIRECTLINE_SECRET", server::SECRET);
    let (url, _state) = server::start().await;
    let dir = tempfile::tempdir().unwrap();
    let recipe = crate::recipes::vendor::recipe("direct-line");
    for file in ["channels.toml", "map.toml", "personas.toml", "sweeps.toml"] {
        let text = std::fs::read_to_string(recipe.join(file)).unwrap();
        let text = text.replace("settle = \"1s\"\n", "").replace("channels = [\"*\"]", "channels = [\"chat\"]");
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let ran = run_suite(dir.path(), &url).await;
    assert_eq!(ran.run.exchanges.len(), 10);
    for x in &ran.run.exchanges {
        let reply = &x.reply.as_ref().expect("a reply").text;
        let name = if x.task.persona == "jonas" { "Jonas Weber" } else { "Alice Morgan" };
        assert!(reply.ends_with(&answers::chat(answers::topic(&x.message), name)), "the whole answer: {reply}");
    }
    let found: BTreeSet<String> = ran.verdict.findings.iter().map(|f| format!("{:?}", f.kind)).collect();
    let summaries: Vec<&str> = ran.verdict.findings.iter().map(|f| f.summary.as_str()).collect();
    assert_eq!(found, ["CustomerDataLeak", "SlaBreach"].map(String::from).into(), "{summaries:#?}");
}
