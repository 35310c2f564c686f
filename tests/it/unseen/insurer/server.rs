//! Larkfield Insurance's contact centre on 127.0.0.1:0, three vendor shapes
//! unlike the airline's and the energy supplier's:
//!
//! - chat: an OpenAI-Assistants-like API — `POST /v1/threads`, `POST
//!   …/messages`, `POST …/runs` (Bearer key and an `OpenAI-Beta` header),
//!   then `GET …/runs/<id>/events`: a Server-Sent Events stream of
//!   `thread.run.created`, keep-alive comments, `thread.message.created`,
//!   `thread.message.delta` pieces split mid-word and mid-number,
//!   `thread.message.completed`, `thread.run.completed` and `[DONE]`, sent in
//!   small network chunks. Priya's first stream of the contact answer breaks
//!   off after two pieces and Tom's first of the claim answer is empty (both
//!   read again); Tom's cover answer starts after 1.2 s (slow, within the
//!   3 s SLA); the contact answer is markdown;
//! - email: a SendGrid-like mail API (`POST /v3/mail/send`, Bearer, the id
//!   in `X-Message-Id`) whose replies come back as multipart/form-data with
//!   the raw header block in `headers`: an automatic acknowledgement
//!   (`Auto-Submitted: auto-replied`) at once, the agent's plain-text answer
//!   after 0.6 s, delivered twice (same Message-ID), and a survey
//!   (`Auto-Submitted: auto-generated`) a second later;
//! - help centre: a Zendesk-like search API (HTTP Basic `user/token`) whose
//!   results hold the article's HTML `body`: its first search answers 429
//!   with `Retry-After: 1`, its second breaks off mid-body, and the claims
//!   article's search is slow (1.4 s; the map's help SLA is 1 s: a planted
//!   breach).

use super::answers::{self, Topic};
use crate::recipes::serve;
use crate::recipes::vendor::{self, Deliveries};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const ASSISTANT_KEY: &str = "sk-lark-2f81";
pub const MAIL_KEY: &str = "SG.lark.77c0";
pub const HELP_USER: &str = "cx-audit@larkfield.example";
pub const HELP_TOKEN: &str = "zd-4c1e9a";
/// Tom's cover answer: the model is slow to start (within the 3 s SLA).
const SLOW_FIRST_PIECE: Duration = Duration::from_millis(1200);
const PIECE_GAP: Duration = Duration::from_millis(30);
const EMAIL_DELAY: Duration = Duration::from_millis(600);
const SURVEY_DELAY: Duration = Duration::from_millis(1000);
/// The claims article's search (the map's help SLA is 1 s).
const SLOW_SEARCH: Duration = Duration::from_millis(1400);

#[derive(Default)]
pub struct Centre {
    /// thread id → the customer's name.
    threads: HashMap<String, String>,
    /// thread id → the last message posted.
    last_message: HashMap<String, String>,
    /// run id → (customer, question).
    runs: HashMap<String, (String, String)>,
    /// run id → event streams opened.
    pub streams: HashMap<String, u32>,
    pub chat_messages: u32,
    pub emails: usize,
    pub searches: u32,
    pub deliveries: Deliveries,
}

type Shared = Arc<Mutex<Centre>>;

fn assistant_auth(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {ASSISTANT_KEY}"))
        && h.get("openai-beta").and_then(|v| v.to_str().ok()) == Some("assistants=v2")
}

fn unauthorised() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error"}})),
    )
        .into_response()
}

async fn open_thread(State(s): State<Shared>, h: HeaderMap, Json(body): Json<Value>) -> Response {
    if !assistant_auth(&h) {
        return unauthorised();
    }
    let mut s = s.lock().unwrap();
    let id = format!("thread_abc{}", s.threads.len());
    s.threads.insert(id.clone(), body["metadata"]["customer"].as_str().unwrap_or_default().to_string());
    Json(json!({"id": id, "object": "thread", "created_at": 1_764_666_000, "metadata": body["metadata"]}))
        .into_response()
}

async fn post_message(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(thread): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if !assistant_auth(&h) {
        return unauthorised();
    }
    let mut s = s.lock().unwrap();
    if !s.threads.contains_key(&thread) {
        return StatusCode::NOT_FOUND.into_response();
    }
    s.chat_messages += 1;
    let text = body["content"].as_str().unwrap_or_default().to_string();
    s.last_message.insert(thread.clone(), text.clone());
    let id = format!("msg_u{}", s.chat_messages);
    Json(json!({"id": id, "object": "thread.message", "thread_id": thread, "role": "user",
                "content": [{"type": "text", "text": {"value": text, "annotations": []}}]}))
    .into_response()
}

async fn create_run(State(s): State<Shared>, h: HeaderMap, Path(thread): Path<String>) -> Response {
    if !assistant_auth(&h) {
        return unauthorised();
    }
    let mut s = s.lock().unwrap();
    let (Some(customer), Some(question)) = (s.threads.get(&thread).cloned(), s.last_message.get(&thread).cloned())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let id = format!("run_{}", s.runs.len() + 1);
    s.runs.insert(id.clone(), (customer, question));
    Json(json!({"id": id, "object": "thread.run", "thread_id": thread, "status": "queued",
                "assistant_id": "asst_larkfield_cx"}))
    .into_response()
}

fn event(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// The run's events as the platform writes them; `cut` breaks the
/// connection after the first two pieces.
fn run_events(run: &str, pieces: &[String], cut: bool, first_delay: Duration) -> Body {
    let mut frames: Vec<(Duration, String)> = vec![
        (Duration::ZERO, event("thread.run.created", &json!({"id": run, "object": "thread.run", "status": "queued"}))),
        (Duration::ZERO, ": keep-alive\n\n".to_string()),
        (
            Duration::ZERO,
            event(
                "thread.message.created",
                &json!({"id": "msg_a1", "object": "thread.message", "status": "in_progress"}),
            ),
        ),
    ];
    for (i, piece) in pieces.iter().enumerate() {
        if cut && i == 2 {
            break;
        }
        let delay = if i == 0 { first_delay } else { PIECE_GAP };
        let delta = json!({"id": "msg_a1", "object": "thread.message.delta",
                           "delta": {"content": [{"index": 0, "type": "text", "text": {"value": piece}}]}});
        frames.push((delay, event("thread.message.delta", &delta)));
    }
    let done = !cut;
    if done {
        let text = pieces.concat();
        frames.push((
            PIECE_GAP,
            event(
                "thread.message.completed",
                &json!({"id": "msg_a1", "object": "thread.message",
            "status": "completed", "content": [{"type": "text", "text": {"value": text}}]}),
            ),
        ));
        frames.push((Duration::ZERO, event("thread.run.completed", &json!({"id": run, "status": "completed"}))));
        frames.push((Duration::ZERO, "event: done\ndata: [DONE]\n\n".to_string()));
    }
    let stream = futures_util::stream::iter(frames).then(|(delay, text)| async move {
        tokio::time::sleep(delay).await;
        // Small network chunks that split lines and characters.
        let parts: Vec<Result<Bytes, std::io::Error>> =
            text.into_bytes().chunks(17).map(|c| Ok(Bytes::copy_from_slice(c))).collect();
        futures_util::stream::iter(parts)
    });
    let stream = stream.flatten();
    if cut {
        let broken = futures_util::stream::once(async {
            Err::<Bytes, _>(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "upstream model worker restarted"))
        });
        Body::from_stream(stream.chain(broken))
    } else {
        Body::from_stream(stream)
    }
}

async fn run_stream(State(s): State<Shared>, h: HeaderMap, Path((_, run)): Path<(String, String)>) -> Response {
    if !assistant_auth(&h) {
        return unauthorised();
    }
    let (customer, question, opened) = {
        let mut s = s.lock().unwrap();
        let Some((customer, question)) = s.runs.get(&run).cloned() else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let n = s.streams.entry(run.clone()).or_default();
        *n += 1;
        (customer, question, *n)
    };
    let topic = answers::topic(&question);
    let name = if customer.starts_with("tom") { "Tom Hughes" } else { "Priya Shah" };
    let cut = name == "Priya Shah" && topic == Topic::Contact && opened == 1;
    let first = if name == "Tom Hughes" && topic == Topic::Cover { SLOW_FIRST_PIECE } else { PIECE_GAP };
    if name == "Tom Hughes" && topic == Topic::Claim && opened == 1 {
        // The platform's proxy answers 200 and closes: an empty stream.
        return Response::builder().header("content-type", "text/event-stream").body(Body::empty()).unwrap();
    }
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(run_events(&run, &answers::chat(topic, name), cut, first))
        .unwrap()
}

async fn post_parse(log: &Deliveries, label: &str, url: &str, fields: &[(&str, &str)]) {
    let files: &[(&str, &str, &str, &[u8])] = if label == "reply" || label == "retry" {
        &[("attachment1", "policy-summary.pdf", "application/pdf", b"%PDF-1.4 policy summary")]
    } else {
        &[]
    };
    let (content_type, body) = vendor::multipart(fields, files);
    vendor::deliver(log, label, reqwest::Client::new().post(url).header("content-type", content_type).body(body)).await;
}

/// `POST /v3/mail/send`: 202 with the id in `X-Message-Id`; the answers
/// come back by inbound parse.
async fn send_mail(State(s): State<Shared>, h: HeaderMap, Json(mail): Json<Value>) -> Response {
    if h.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {MAIL_KEY}")) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errors": [{"message": "The provided authorization grant is invalid"}]})),
        )
            .into_response();
    }
    let (Some(callback), Some(text), Some(name), Some(from)) = (
        mail["custom_args"]["reply_webhook"].as_str(),
        mail["content"][0]["value"].as_str(),
        mail["from"]["name"].as_str(),
        mail["from"]["email"].as_str(),
    ) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"errors": [{"message": "missing fields"}]}))).into_response();
    };
    let (n, log) = {
        let mut s = s.lock().unwrap();
        s.emails += 1;
        (s.emails, s.deliveries.clone())
    };
    let x_message_id = format!("q7Lk{n}Tz.filterdrecv-7f9c-1");
    let sent = format!("<{x_message_id}@geopod-ismtpd-3.example.net>");
    let auto_headers = format!(
        "Received: by mx.larkfield.example\r\nMessage-ID: <ack-{n}@larkfield.example>\r\nIn-Reply-To: {sent}\r\n\
         Auto-Submitted: auto-replied\r\nSubject: We've received your email\r\n"
    );
    let reply_headers = format!(
        "Message-ID: <reply-{n}@larkfield.example>\r\nIn-Reply-To: {sent}\r\nReferences: {sent}\r\n\
         Subject: Re: {}\r\n",
        mail["subject"].as_str().unwrap_or_default()
    );
    let survey_headers = format!(
        "Message-ID: <survey-{n}@larkfield.example>\r\nIn-Reply-To: {sent}\r\nAuto-Submitted: auto-generated\r\n\
         Subject: How did we do?\r\n"
    );
    let ack = answers::acknowledgement(n);
    let reply = answers::email_text(answers::topic(text), name, text);
    let (callback, from) = (callback.to_string(), from.to_string());
    tokio::spawn(async move {
        post_parse(
            &log,
            "ack",
            &callback,
            &[("from", "help@larkfield.example"), ("to", &from), ("headers", &auto_headers), ("text", &ack)],
        )
        .await;
        tokio::time::sleep(EMAIL_DELAY).await;
        let fields = [
            ("from", "Larkfield Insurance <help@larkfield.example>"),
            ("to", from.as_str()),
            ("headers", reply_headers.as_str()),
            ("text", reply.as_str()),
        ];
        post_parse(&log, "reply", &callback, &fields).await;
        // The provider did not see our 200 in time and posts again: same Message-ID.
        post_parse(&log, "retry", &callback, &fields).await;
        tokio::time::sleep(SURVEY_DELAY).await;
        post_parse(
            &log,
            "survey",
            &callback,
            &[
                ("from", "survey@larkfield.example"),
                ("to", &from),
                ("headers", &survey_headers),
                ("text", answers::survey()),
            ],
        )
        .await;
    });
    let mut response = StatusCode::ACCEPTED.into_response();
    response.headers_mut().insert("x-message-id", x_message_id.parse().unwrap());
    response
}

fn help_auth(h: &HeaderMap) -> bool {
    let want = base64::engine::general_purpose::STANDARD.encode(format!("{HELP_USER}/token:{HELP_TOKEN}"));
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Basic {want}"))
}

async fn search(State(s): State<Shared>, h: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !help_auth(&h) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "Couldn't authenticate you"}))).into_response();
    }
    let n = {
        let mut s = s.lock().unwrap();
        s.searches += 1;
        s.searches
    };
    if n == 1 {
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], Json(json!({"error": "TooManyRequests"})))
            .into_response();
    }
    let topic = answers::topic(q.get("query").map(String::as_str).unwrap_or_default());
    if topic == Topic::Claim {
        tokio::time::sleep(SLOW_SEARCH).await;
    }
    let (id, title, article) = answers::article(topic);
    let results = json!({"results": [
        {"id": id, "title": title, "locale": "en-gb", "body": answers::body(article), "vote_sum": 184,
         "html_url": format!("https://help.larkfield.example/hc/en-gb/articles/{id}"), "result_type": "article"},
        {"id": 360_011_300u64, "title": "Home insurance", "locale": "en-gb",
         "body": "<p>Home insurance from £12.50 a month.</p>", "result_type": "article"}
    ], "count": 2, "page": 1, "per_page": 3, "page_count": 1, "next_page": null});
    let text = results.to_string();
    if n == 2 {
        // The load balancer drops the connection mid-body.
        let half = Bytes::from(text.as_bytes()[..text.len() / 2].to_vec());
        let parts = futures_util::stream::iter([
            Ok(half),
            Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset")),
        ]);
        return Response::builder().header("content-type", "application/json").body(Body::from_stream(parts)).unwrap();
    }
    Response::builder().header("content-type", "application/json; charset=utf-8").body(Body::from(text)).unwrap()
}

/// Starts the contact centre; its base URL and state.
pub async fn start() -> (String, Shared) {
    let state = Shared::default();
    let app = Router::new()
        .route("/v1/threads", post(open_thread))
        .route("/v1/threads/:thread/messages", post(post_message))
        .route("/v1/threads/:thread/runs", post(create_run))
        .route("/v1/threads/:thread/runs/:run/events", get(run_stream))
        .route("/v3/mail/send", post(send_mail))
        .route("/api/v2/help_center/articles/search.json", get(search))
        .with_state(state.clone());
    (serve(app).await, state)
}
