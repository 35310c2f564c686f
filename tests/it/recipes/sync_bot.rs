//! A bot that answers in the response, Rasa-shaped: a list of messages per
//! answer (joined in order), and `[]` once — the bot had nothing to say,
//! which is no reply (an error about the bot), never an empty answer judged
//! for its facts.

use super::{run_recipe, serve, vendor};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use touchpoint::record::ErrorKind;
use touchpoint::verdict::FindingKind;

/// `POST /webhooks/rest/webhook` `{sender, message}` → `[{recipient_id, text}, …]`:
/// the answer in two messages, a button-only message in between;
/// Bo's price question gets `[]`.
async fn rasa() -> String {
    let app = Router::new().route(
        "/webhooks/rest/webhook",
        post(|Json(body): Json<Value>| async move {
            let sender = body["sender"].as_str().unwrap_or_default().to_string();
            let question = body["message"].as_str().unwrap_or_default();
            if sender == "bo@example.com" && question.contains("per month") {
                return Json(json!([]));
            }
            let (first, rest) = split(vendor::answer(question));
            Json(json!([
                {"recipient_id": sender, "text": first},
                {"recipient_id": sender, "buttons": [{"title": "Talk to a person", "payload": "/handoff"}]},
                {"recipient_id": sender, "text": rest},
            ]))
        }),
    );
    serve(app).await
}

/// The answer as the bot sends it: an opening, then the rest.
fn split(answer: &str) -> (&str, &str) {
    let at = answer.match_indices(' ').nth(1).map_or(answer.len(), |(i, _)| i);
    (&answer[..at], answer[at..].trim_start())
}

#[tokio::test]
async fn sync_bot_recipe_joins_split_answers_and_reads_an_empty_list_as_no_reply() {
    let url = rasa().await;
    let ran = run_recipe("sync-bot", &url).await;
    assert_eq!(ran.run.exchanges.len(), 4);
    for x in &ran.run.exchanges {
        if x.task.persona == "bo" && x.question.as_deref() == Some("price") {
            let e = x.error.as_ref().expect("no reply");
            assert_eq!(e.kind, ErrorKind::NoReply, "{}", e.message);
            assert!(x.reply.is_none());
            continue;
        }
        assert!(x.error.is_none(), "{:?}", x.error);
        let (first, rest) = split(vendor::answer(&x.message));
        assert_eq!(x.reply.as_ref().unwrap().text, format!("{first}\n{rest}"), "both messages, in order");
    }
    let v = &ran.verdict;
    let kinds: Vec<_> = v.findings.iter().map(|f| (f.kind, f.channel.as_deref(), f.occurrences)).collect();
    assert_eq!(kinds, vec![(FindingKind::Error, Some("bot"), 1)], "only the missing answer: {:#?}", v.findings);
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors), (4, 3, 1));
    assert_eq!((c.facts_checked, c.facts_correct, c.facts_wrong), (3, 3, 0), "the empty answer is never judged");
}
