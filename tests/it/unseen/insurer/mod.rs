//! A third contact centre touchpoint has never seen: Larkfield Insurance
//! (`server.rs`), reached by configuration alone over three vendor shapes
//! unlike the airline's and the energy supplier's
//! (`scenarios/recipes/llm-assistant`). Every fact is stated correctly in
//! phrasings the corpus did not hold, except six planted defects
//! (`answers.rs`, marked `PLANTED`); the noise around them (an answer
//! streamed in pieces split mid-number, a citation marker, a voluntary
//! excess beside the compulsory one, a no-claims table by years, IPT at
//! 12%, a claims line open 24/7 beside the office's hours, the sales team's
//! hours and number, a cancellation fee after the cooling-off period, a
//! claim reference with a phone's digits, an acknowledgement with its own
//! reference and "5 working days", a reply delivered twice, a survey
//! after it, the customer's email quoted, a signature's direct line, the
//! regulator's footer, other products' prices, "212 out of 240 found this
//! helpful", HTML entities (`&pound;250`, `8am&nbsp;&ndash;&nbsp;8pm`),
//! markdown (a list, a table ending without a full stop), a stream that
//! breaks off, an empty one, a slow first token, a 429 with Retry-After, a
//! search body cut off mid-way) must never be a finding.

mod answers;
mod server;

use crate::recipes::run_recipe;
use touchpoint::verdict::FindingKind;

#[tokio::test]
async fn unseen_insurer_is_judged_on_exactly_its_planted_defects() {
    std::env::set_var("ASSISTANT_API_KEY", server::ASSISTANT_KEY);
    std::env::set_var("MAIL_API_KEY", server::MAIL_KEY);
    std::env::set_var("HELP_API_USER", server::HELP_USER);
    std::env::set_var("HELP_API_TOKEN", server::HELP_TOKEN);
    let (url, state) = server::start().await;
    let ran = run_recipe("llm-assistant", &url).await;
    let v = &ran.verdict;

    // Reached by configuration alone: every exchange answered, nothing sent twice.
    assert_eq!(ran.run.exchanges.len(), 30, "5 questions × 3 channels × 2 personas");
    for x in &ran.run.exchanges {
        assert!(x.error.is_none(), "{:?}: {:?}", x.task, x.error);
        let reply = &x.reply.as_ref().expect("a reply").text;
        assert!(!reply.contains("We aim to reply to every email"), "the acknowledgement is not the reply: {reply}");
        assert!(!reply.contains("How did we do"), "the survey is not the reply: {reply}");
    }
    for x in ran.run.exchanges.iter().filter(|x| x.channel == "chat") {
        let name = if x.task.persona == "tom" { "Tom Hughes" } else { "Priya Shah" };
        let whole = answers::chat(answers::topic(&x.message), name).concat();
        assert_eq!(x.reply.as_ref().unwrap().text, whole, "the pieces joined exactly, once");
    }
    let contact = ran
        .run
        .exchanges
        .iter()
        .find(|x| x.channel == "chat" && x.task.persona == "priya" && x.question.as_deref() == Some("contact"));
    let cut = contact.unwrap().http.iter().find_map(|h| h.error.as_deref()).expect("the cut stream's attempt");
    assert!(cut.contains("broke off") && cut.contains("may be read again"), "{cut}");
    {
        let s = state.lock().unwrap();
        assert_eq!((s.chat_messages, s.emails, s.searches), (10, 10, 12), "a 429 and a cut search asked again");
        assert_eq!(s.streams.values().sum::<u32>(), 12, "the stream that broke off and the empty one read again");
        assert_eq!(s.deliveries.statuses("reply").len(), 10);
        assert!(s.deliveries.statuses("reply").iter().all(|s| (200..300).contains(s)));
    }
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    let email = v.callbacks.iter().find(|c| c.channel == "email").expect("email callbacks");
    assert_eq!(email.invalid_signature, 0, "{email:?}");
    assert!(email.duplicates + email.late >= 10, "every retried delivery noted, never read: {email:?}");

    // Exactly the planted defects, each once.
    let by = super::assert_exactly(
        v,
        &[
            (FindingKind::WrongFact, "chat", Some("ncd_max")),
            (FindingKind::WrongFact, "email", Some("windscreen_ncd")),
            (FindingKind::Fallback, "chat", None),
            (FindingKind::LeakedPlaceholder, "chat", None),
            (FindingKind::CustomerDataLeak, "email", None),
            (FindingKind::SlaBreach, "help", None),
        ],
    );
    let ncd = by(FindingKind::WrongFact, "chat");
    assert_eq!((ncd.found.as_deref(), ncd.expected.as_deref(), ncd.occurrences), (Some("65%"), Some("60%"), 2));
    let windscreen = by(FindingKind::WrongFact, "email");
    assert_eq!((windscreen.found.as_deref(), windscreen.occurrences), (Some("yes"), 2));
    let fallback = by(FindingKind::Fallback, "chat");
    assert_eq!(fallback.question.as_deref(), Some("windscreen"));
    let placeholder = by(FindingKind::LeakedPlaceholder, "chat");
    assert_eq!((placeholder.persona.as_deref(), placeholder.question.as_deref()), (Some("tom"), Some("cooling-off")));
    let leak = by(FindingKind::CustomerDataLeak, "email");
    assert_eq!((leak.persona.as_deref(), leak.question.as_deref()), (Some("tom"), Some("claim")));
    let slow = by(FindingKind::SlaBreach, "help");
    assert_eq!(slow.occurrences, 2, "only the claims article's search was slow: {}", slow.summary);

    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors), (30, 30, 0));
    // Not stated: only the assistant's two windscreen fallbacks.
    assert_eq!((c.facts_checked, c.facts_correct, c.facts_wrong, c.facts_not_stated), (42, 36, 4, 2));
    let s = &c.findings;
    assert_eq!((s.critical, s.high, s.medium, s.low, s.info), (1, 3, 2, 0, 0));
}
