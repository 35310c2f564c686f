//! What each kind of problem looks like in the verdict: wrong facts, agreement by meaning,
//! disagreements, service levels, lost context, unstable and segment-dependent answers, stable ids.

use super::*;

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
    assert!(f.summary.contains("14 days") && f.summary.contains("the map, Chat and Web say 30 days"), "{}", f.summary);
    let e = &f.evidence[0];
    assert_eq!(e.seq, 3);
    assert!(e.excerpt.contains("within 14 days of delivery"), "{}", e.excerpt);
    let span = e.highlight.expect("a highlight");
    assert_eq!(&e.answer[span.start..span.end], "14 days");

    // The channels disagree, and the matrix shows it; the wrong fact is
    // that disagreement, so it is one finding, not two.
    assert!(of_kind(&v, FindingKind::ChannelDisagreement).is_empty(), "{:?}", kinds(&v));
    let row = v.matrix.iter().find(|r| r.question == "refund-policy").expect("a matrix row");
    assert!(!row.consistent);
    assert_eq!(row.cells.len(), 3);
    let same = v
        .checks
        .iter()
        .find(|c| c.name == "refund-policy · refund_window: every channel gives the same answer")
        .expect("the consistency check");
    assert_eq!(same.folded_into.as_deref(), Some(f.id.as_str()));
    assert!(same.passed && same.findings.is_empty(), "{same:?}");

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
fn channels_that_disagree_because_both_are_wrong_are_their_wrong_facts() {
    let v = verdict(vec![
        ask("chat", "sam", "refund-policy", "Returns are accepted for 21 days."),
        ask("chat", "lee", "refund-policy", "Returns are accepted for 21 days."),
        ask("email", "sam", "refund-policy", "You have 14 days to return it."),
        ask("email", "lee", "refund-policy", "You have 14 days to return it."),
    ]);
    // Both are wrong against the map: one finding per channel, each seen
    // twice, each naming what the other channel says.
    assert!(of_kind(&v, FindingKind::ChannelDisagreement).is_empty(), "{:#?}", v.findings);
    let wrong = of_kind(&v, FindingKind::WrongFact);
    assert_eq!(wrong.len(), 2);
    assert!(wrong.iter().all(|f| f.occurrences == 2));
    let chat = wrong.iter().find(|f| f.channel.as_deref() == Some("chat")).unwrap();
    assert!(chat.summary.contains("the map says 30 days; Email says 14 days"), "{}", chat.summary);
    let email = wrong.iter().find(|f| f.channel.as_deref() == Some("email")).unwrap();
    assert!(email.summary.contains("the map says 30 days; Chat says 21 days"), "{}", email.summary);
    assert_eq!(v.checks.iter().filter(|c| c.folded_into.is_some()).count(), 1);
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

#[test]
fn a_question_or_stage_with_its_own_service_level_is_its_own_finding() {
    let map = MAP
        .replacen("expects = [\"monthly_price\"]", "expects = [\"monthly_price\"]\nsla = { chat = \"5s\" }", 1)
        .replacen(
            r#"{ id = "resolution", critical = true }"#,
            r#"{ id = "resolution", critical = true, sla = { email = "1m" } }"#,
            1,
        );
    let (_dir, suite) = write_suite_with(&map);
    let mut exchanges = vec![
        // The channel's 2 s: slow on the refund question.
        ask("chat", "lee", "refund-policy", "30 days.").latency(2600, 2700),
        // The price question has 5 s on chat: 3.1 s is fine, 6.1 s is not.
        ask("chat", "sam", "monthly-price", "£29.99 a month.").latency(3000, 3100),
        ask("chat", "lee", "monthly-price", "£29.99 a month.").latency(6000, 6100),
    ];
    // The resolution stage wants email within a minute (the channel allows 4 h).
    let mut walk = handoff("Hi Sam, about CASE-1042: yes, refunds take 30 days.");
    walk[1] = walk[1].clone().latency(90_000, 95_000);
    exchanges.extend(walk);
    let v = analyze(&suite, &run(exchanges), &AnalyzeOptions::default());
    let breaches = of_kind(&v, FindingKind::SlaBreach);
    assert_eq!(breaches.len(), 3, "{:#?}", v.findings);

    let channel = breaches.iter().find(|f| f.question.is_none() && f.stage.is_none()).expect("chat's own level");
    assert_eq!(channel.channel.as_deref(), Some("chat"));
    assert!(
        channel.summary.starts_with("Chat took up to 2.7 s to answer “Refund policy”")
            && channel.summary.contains("2 s service level"),
        "{}",
        channel.summary
    );
    assert_eq!(channel.occurrences, 1, "3.1 s on the price question is within its own 5 s");

    let question =
        breaches.iter().find(|f| f.question.as_deref() == Some("monthly-price")).expect("the question's level");
    assert!(
        question.summary.contains("6.1 s") && question.summary.contains("5 s service level"),
        "{}",
        question.summary
    );

    let stage = breaches.iter().find(|f| f.stage.as_deref() == Some("resolution")).expect("the stage's level");
    assert_eq!(stage.channel.as_deref(), Some("email"));
    assert!(stage.summary.contains("1 min service level"), "{}", stage.summary);

    // The channel's statistics keep the channel's level, counting every breach.
    let chat = v.sla.iter().find(|s| s.channel == "chat").expect("chat stats");
    assert_eq!((chat.sla_ms, chat.breaches), (Some(2000.0), 2));
    // A touchpoint shows the level it was held to.
    let levels: Vec<Option<f64>> =
        v.journeys.iter().flat_map(|j| &j.walks).flat_map(|w| &w.touchpoints).map(|t| t.sla_ms).collect();
    assert!(levels.contains(&Some(5000.0)) && levels.contains(&Some(60_000.0)), "{levels:?}");
}

#[test]
fn a_streamed_reply_shows_its_first_text_beside_the_full_answer() {
    let mut slow = ask("chat", "lee", "refund-policy", "30 days.").latency(2600, 2700);
    if let Some(r) = slow.0.reply.as_mut() {
        r.t_first_byte_us = Some(slow.0.t_sent_us + 400_000);
        r.t_last_byte_us = Some(slow.0.t_sent_us + 2_600_000);
    }
    let v = verdict(vec![slow]);
    let chat = v.sla.iter().find(|s| s.channel == "chat").expect("chat stats");
    let p50 = chat.first_text_p50_ms.expect("first-text times");
    assert!((p50 - 400.0).abs() < 1.0, "{p50}");
    let breach = of_kind(&v, FindingKind::SlaBreach);
    assert!(
        breach[0].evidence[0].excerpt.contains("first text came after 400 ms"),
        "{}",
        breach[0].evidence[0].excerpt
    );
    // Replies that arrive whole have no first-text figure.
    let whole = verdict(vec![ask("chat", "lee", "refund-policy", "30 days.")]);
    assert_eq!(whole.sla[0].first_text_p50_ms, None);
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
    assert!(f.summary.contains("issued on Chat"), "{}", f.summary);
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
    // The disagreement is the wrong fact in both runs: folded into the same id.
    let folded = |v: &Verdict| v.checks.iter().find_map(|c| c.folded_into.clone());
    assert_eq!(folded(&first), id(&first, FindingKind::WrongFact));
    assert_eq!(folded(&first), folded(&second));
}
