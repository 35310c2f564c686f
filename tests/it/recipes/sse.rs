//! Streamed answers (Server-Sent Events), the shape of LLM assistants: the
//! `sse-assistant` recipe against an assistant whose chunks split words and
//! numbers ("£4" + "9.99"), that keeps the stream open after its end event,
//! and that cuts one stream mid-answer; and a completions-style channel
//! whose POST *is* the stream, cut, which is never posted again.

use super::{run_recipe, serve};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use touchpoint::record::{ErrorKind, Purpose};

const TOKEN: &str = "sk-test-7f3a9c";

#[derive(Default)]
struct Assistant {
    /// thread id → the customer it was opened for.
    threads: HashMap<String, String>,
    /// run id → (customer, question text).
    runs: HashMap<String, (String, String)>,
    /// run id → event streams opened.
    streams: HashMap<String, u32>,
    /// Messages posted, all threads.
    posted: u32,
}

type Shared = Arc<Mutex<Assistant>>;

/// The answer, in the chunks the model produced them (split mid-word and mid-number).
fn chunks(question: &str) -> Vec<&'static str> {
    if question.contains("per month") {
        vec!["The Fibre 500 plan is £4", "9.99 per mo", "nth, and you can upgr", "ade at any time."]
    } else {
        vec!["You can return your rou", "ter within 3", "0 days of deliv", "ery for a full refund."]
    }
}

/// An event stream as the assistant writes it: a keep-alive comment, a
/// `message.created`, the deltas, `message.done` — or, when `cut`, the
/// connection closed after the first delta. Sent in 13-byte network chunks
/// (splitting lines and UTF-8 characters), then held open after the end.
fn event_stream(pieces: &[&str], cut: bool) -> Body {
    let mut text = String::from(": keep-alive\n\nevent: message.created\ndata: {\"id\":\"msg_1\"}\n\n");
    for (i, p) in pieces.iter().enumerate() {
        if cut && i == 1 {
            break;
        }
        text.push_str(&format!("event: message.delta\r\ndata: {}\r\n\r\n", json!({"delta": {"text": p}})));
    }
    if !cut {
        text.push_str("event: message.done\ndata: {\"status\":\"completed\"}\n\n");
    }
    let bytes = text.into_bytes();
    let parts: Vec<Bytes> = bytes.chunks(13).map(Bytes::copy_from_slice).collect();
    let body = futures_util::stream::iter(parts).then(|b| async move {
        tokio::time::sleep(Duration::from_millis(2)).await;
        Ok::<_, std::io::Error>(b)
    });
    if cut {
        Body::from_stream(body)
    } else {
        Body::from_stream(body.chain(futures_util::stream::pending()))
    }
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn assistant() -> (String, Shared) {
    let state = Shared::default();
    let app = Router::new()
        .route(
            "/v1/threads",
            post(|State(s): State<Shared>, h: HeaderMap, Json(body): Json<Value>| async move {
                if !authorised(&h) {
                    return (axum::http::StatusCode::UNAUTHORIZED, "no").into_response();
                }
                let mut s = s.lock().unwrap();
                let id = format!("thread_{}", s.threads.len() + 1);
                let customer = body["metadata"]["customer"].as_str().unwrap_or_default().to_string();
                s.threads.insert(id.clone(), customer);
                Json(json!({"id": id, "object": "thread"})).into_response()
            }),
        )
        .route(
            "/v1/threads/:thread/messages",
            post(|State(s): State<Shared>, Path(thread): Path<String>, Json(body): Json<Value>| async move {
                let mut s = s.lock().unwrap();
                s.posted += 1;
                let run = format!("run_{}", s.posted);
                let customer = s.threads.get(&thread).cloned().unwrap_or_default();
                s.runs.insert(run.clone(), (customer, body["content"].as_str().unwrap_or_default().to_string()));
                Json(json!({"id": format!("msg_{}", s.posted), "run_id": run, "status": "queued"}))
            }),
        )
        .route(
            "/v1/threads/:thread/runs/:run/events",
            get(|State(s): State<Shared>, Path((_, run)): Path<(String, String)>| async move {
                let (customer, question, opened) = {
                    let mut s = s.lock().unwrap();
                    let Some((customer, question)) = s.runs.get(&run).cloned() else {
                        return (axum::http::StatusCode::NOT_FOUND, "no such run").into_response();
                    };
                    let n = s.streams.entry(run).or_default();
                    *n += 1;
                    (customer, question, *n)
                };
                // Ann's first price stream breaks off after "The Fibre 500 plan is £4".
                let cut = customer == "ann@example.com" && question.contains("per month") && opened == 1;
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .header("cache-control", "no-cache")
                    .body(event_stream(&chunks(&question), cut))
                    .unwrap()
            }),
        )
        .with_state(state.clone());
    (serve(app).await, state)
}

#[tokio::test]
async fn sse_assistant_recipe_reads_every_streamed_answer_and_retries_the_cut_one() {
    std::env::set_var("ASSISTANT_TOKEN", TOKEN);
    let (url, state) = assistant().await;
    let ran = run_recipe("sse-assistant", &url).await;
    let run = &ran.run;
    assert_eq!(run.exchanges.len(), 4, "2 questions × 2 personas");
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        let reply = x.reply.as_ref().unwrap();
        let want = chunks(&x.message).concat();
        assert_eq!(reply.text, want, "chunks concatenated exactly");
        // Time to first token and to the full answer, in order, after sending.
        let (first, last) = (reply.t_first_byte_us.unwrap(), reply.t_last_byte_us.unwrap());
        assert!(x.t_sent_us <= first && first < last && last == reply.t_latest_us, "{x:?}");
        let streams: Vec<_> = x.http.iter().filter(|h| h.purpose == Purpose::Stream).collect();
        let sends = x.http.iter().filter(|h| h.purpose == Purpose::Send).count();
        assert_eq!(sends, 1, "the message is posted once");
        let cut = x.task.persona == "ann" && x.question.as_deref() == Some("price");
        if cut {
            assert_eq!(streams.len(), 2, "the cut stream is read again");
            let why = streams[0].error.as_deref().unwrap();
            assert!(why.contains("closed before its end event `message.done`"), "{why}");
            assert!(streams[0].body.as_deref().unwrap().contains("£4"), "the raw stream is recorded");
            assert!(streams[1].error.is_none());
        } else {
            assert_eq!(streams.len(), 1);
        }
        let raw = streams.last().unwrap().body.as_deref().unwrap();
        assert!(raw.contains("event: message.done") && raw.starts_with(": keep-alive"), "{raw}");
    }
    // The token never reaches the record.
    let text = std::fs::read_to_string(ran.run_dir.join("run.jsonl")).unwrap();
    assert!(!text.contains(TOKEN));
    {
        let s = state.lock().unwrap();
        assert_eq!(s.posted, 4, "no message posted twice");
        assert_eq!(s.streams.values().sum::<u32>(), 5, "one stream read twice");
    }
    // The whole verdict: every fact read right, the cut never judged, nothing to report.
    let v = &ran.verdict;
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors), (4, 4, 0));
    assert_eq!((c.facts_checked, c.facts_correct, c.facts_wrong, c.facts_not_stated), (4, 4, 0, 0));
    let sla = &v.sla[0];
    assert_eq!((sla.channel.as_str(), sla.replies, sla.no_reply, sla.breaches), ("assistant", 4, 0, 0));
    // The report shows the time to the first words next to the full answer's.
    let view = touchpoint::report::view::build_view(v, run);
    let first = view.timings[0].first_words.as_ref().expect("streamed replies have first words");
    assert_eq!(first.replies, 4);
    let html = touchpoint::report::render_html(&view).unwrap();
    assert!(html.contains("First words (p50)"), "the timings section shows it");
}

/// A completions-style API whose POST answers with the stream itself,
/// ending in `data: [DONE]`: Bo's stream is cut after its first chunk.
async fn completions() -> (String, Arc<Mutex<u32>>) {
    let posts = Arc::new(Mutex::new(0u32));
    let app = Router::new()
        .route(
            "/v1/chat/completions",
            post(|State(posts): State<Arc<Mutex<u32>>>, Json(body): Json<Value>| async move {
                *posts.lock().unwrap() += 1;
                let cut = body["user"] == "bo@example.com";
                let mut text = String::new();
                for p in ["Refunds within 3", "0 days."] {
                    text.push_str(&format!("data: {}\n\n", json!({"choices": [{"delta": {"content": p}}]})));
                    if cut {
                        break;
                    }
                }
                if !cut {
                    text.push_str("data: [DONE]\n\n");
                }
                Response::builder().header("content-type", "text/event-stream").body(Body::from(text)).unwrap()
            }),
        )
        .with_state(posts.clone());
    (serve(app).await, posts)
}

const COMPLETIONS: &str = r#"
[bot]
kind = "chat"
retry = { attempts = 3, backoff = "10ms" }
[bot.send]
method = "POST"
url = "/v1/chat/completions"
json = { stream = true, user = "{{ persona.email }}", messages = [{ role = "user", content = "{{ message }}" }] }
[bot.receive]
mode = "stream"
text = "$.choices[0].delta.content"
end = "[DONE]"
"#;

#[tokio::test]
async fn a_cut_stream_that_answered_a_post_is_a_fault_and_never_posted_again() {
    let (url, posts) = completions().await;
    let dir = crate::common::write_suite(&[
        ("map.toml", super::MAP),
        ("channels.toml", COMPLETIONS),
        ("personas.toml", super::PERSONAS),
        ("sweeps.toml", super::SWEEPS),
    ]);
    let suite = crate::common::load(dir.path());
    let out = tempfile::tempdir().unwrap();
    let result = crate::common::run(suite.clone(), crate::common::options(out.path(), &url)).await;
    let run = touchpoint::record::read_run(&result.dir).unwrap();
    assert_eq!(*posts.lock().unwrap(), 2, "one POST per persona: the cut one is not re-sent");
    for x in &run.exchanges {
        if x.task.persona == "bo" {
            let e = x.error.as_ref().expect("cut");
            assert_eq!(e.kind, ErrorKind::Cut, "{}", e.message);
            assert!(e.message.contains("closed before its end event `[DONE]`"), "{}", e.message);
            assert!(x.reply.is_none(), "a cut answer is never judged");
        } else {
            assert_eq!(x.reply.as_ref().unwrap().text, "Refunds within 30 days.");
        }
    }
    let v = touchpoint::analysis::analyze(&suite, &run, &Default::default());
    // The cut is one error finding about the channel, not a wrong answer.
    let kinds: Vec<_> = v.findings.iter().map(|f| (f.kind, f.channel.as_deref())).collect();
    assert_eq!(kinds, vec![(touchpoint::verdict::FindingKind::Error, Some("bot"))], "{:#?}", v.findings);
    assert_eq!((v.counts.facts_correct, v.counts.facts_wrong), (1, 0));
}
