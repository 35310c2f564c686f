//! Brightwater Energy's contact centre on 127.0.0.1:0, three vendor shapes
//! unlike the airline's:
//!
//! - chat: a Bot-Framework-Direct-Line-like API — `POST
//!   /v3/directline/conversations` (Bearer secret), `POST …/activities`
//!   (answers the activity id), `GET …/activities?watermark=` — activities of
//!   every type (`conversationUpdate`, `typing`, `message`) from the user and
//!   the bot, each bot message carrying the `replyToId` of what it answers.
//!   The bot greets with today's date, then answers every message in two
//!   polls: "Let me check that for you…" at once, the answer ~0.6 s later;
//!   Alice's answer is listed twice in the poll it arrives in; the complaint
//!   answer (a human agent) comes after 2.4 s (the map's chat SLA is 2 s: a
//!   planted breach); the third poll of the run answers 503;
//! - email: a helpdesk whose API takes a form post with a callback URL and
//!   posts its messages there as signed JSON (`X-Helpdesk-Signature:
//!   sha256=<hex>` over the body): an automatic acknowledgement at once, the
//!   agent's HTML answer after 1.2 s, delivered twice (a retry, same id);
//! - help centre: a JSON search (`/hc/api/search.json`, its very first call
//!   answers 503) and server-rendered articles whose answers sit in
//!   headings, definition lists, tables and lists.

use super::answers::{self, Topic};
use crate::recipes::serve;
use crate::recipes::vendor::hmac_sha256_hex;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const SECRET: &str = "dl-secret-91c2";
pub const API_KEY: &str = "hd-key-4be0";
pub const SIGNING: &str = "hd-sign-77aa";
const HOLDING_DELAY: Duration = Duration::from_millis(80);
const ANSWER_DELAY: Duration = Duration::from_millis(650);
/// The human agent who answers complaints (the map's chat SLA is 2 s).
const AGENT_DELAY: Duration = Duration::from_millis(2400);
const EMAIL_DELAY: Duration = Duration::from_millis(1200);

#[derive(Default)]
pub struct Centre {
    conversations: Vec<Conversation>,
    pub chat_messages: u32,
    polls: u32,
    pub emails: u32,
    pub searches: u32,
    pub deliveries: Vec<u16>,
}

#[derive(Default)]
struct Conversation {
    activities: Vec<Value>,
    /// Bot activities not posted yet: when, and the activity.
    scheduled: Vec<(Instant, Value)>,
    duplicate_next: bool,
}

type Shared = Arc<Mutex<Centre>>;

fn bearer(h: &HeaderMap, secret: &str) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {secret}"))
}

fn bot(id: &str, kind: &str, text: Option<&str>, reply_to: Option<&str>) -> Value {
    let mut a = json!({"type": kind, "id": id, "timestamp": "2026-12-01T09:00:00.000Z",
                       "from": {"id": "brightwater-bot", "name": "Sparky", "role": "bot"}, "channelId": "directline"});
    if let Some(t) = text {
        a["text"] = json!(t);
        a["textFormat"] = json!("plain");
        a["inputHint"] = json!("acceptingInput");
    }
    if let Some(r) = reply_to {
        a["replyToId"] = json!(r);
    }
    a
}

async fn open_chat(State(s): State<Shared>, h: HeaderMap) -> impl IntoResponse {
    if !bearer(&h, SECRET) {
        return (StatusCode::FORBIDDEN, Json(json!({"error": {"code": "BadArgument", "message": "Invalid token"}})))
            .into_response();
    }
    let mut s = s.lock().unwrap();
    let n = s.conversations.len();
    let id = format!("Gx7{n}kQ-eu");
    let activities = vec![
        json!({"type": "conversationUpdate", "id": format!("{id}|0000000"), "membersAdded": [{"id": "brightwater-bot"}]}),
        bot(&format!("{id}|0000001"), "message", Some(answers::chat_greeting()), None),
    ];
    s.conversations.push(Conversation { activities, ..Conversation::default() });
    (StatusCode::CREATED, Json(json!({"conversationId": id, "token": "ey.redacted", "expires_in": 1800})))
        .into_response()
}

fn conversation(id: &str) -> Option<usize> {
    id.strip_prefix("Gx7")?.strip_suffix("kQ-eu")?.parse().ok()
}

async fn post_activity(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
    Json(a): Json<Value>,
) -> impl IntoResponse {
    if !bearer(&h, SECRET) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut s = s.lock().unwrap();
    s.chat_messages += 1;
    let Some(c) = conversation(&id).and_then(|i| s.conversations.get_mut(i)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let text = a["text"].as_str().unwrap_or_default().to_string();
    let name = a["from"]["name"].as_str().unwrap_or_default().to_string();
    let first = name.split(' ').next().unwrap_or_default().to_string();
    let n = c.activities.len() + c.scheduled.len();
    let mine = format!("{id}|{n:07}");
    let mut echoed = a.clone();
    echoed["id"] = json!(mine);
    c.activities.push(echoed);
    let now = Instant::now();
    let topic = answers::topic(&text);
    let answer = answers::chat(topic, &name);
    let typing = bot(&format!("{id}|{:07}", n + 1), "typing", None, None);
    if topic == Topic::Complaint {
        c.scheduled.push((now, typing));
        c.scheduled
            .push((now + AGENT_DELAY, bot(&format!("{id}|{:07}", n + 2), "message", Some(&answer), Some(&mine))));
    } else {
        let holding = answers::holding(&first);
        c.scheduled
            .push((now + HOLDING_DELAY, bot(&format!("{id}|{:07}", n + 1), "message", Some(&holding), Some(&mine))));
        c.scheduled.push((now + HOLDING_DELAY, typing));
        c.scheduled
            .push((now + ANSWER_DELAY, bot(&format!("{id}|{:07}", n + 3), "message", Some(&answer), Some(&mine))));
    }
    c.duplicate_next = name == "Alice Morgan";
    (StatusCode::OK, Json(json!({"id": mine}))).into_response()
}

async fn activities(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    if !bearer(&h, SECRET) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let mut s = s.lock().unwrap();
    s.polls += 1;
    if s.polls == 3 {
        // The gateway stumbles once.
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": {"code": "ServiceError"}}))).into_response();
    }
    let Some(c) = conversation(&id).and_then(|i| s.conversations.get_mut(i)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = Instant::now();
    let due: Vec<Value> = c.scheduled.iter().filter(|(at, _)| *at <= now).map(|(_, a)| a.clone()).collect();
    c.scheduled.retain(|(at, _)| *at > now);
    let from: usize = q.get("watermark").and_then(|w| w.parse().ok()).unwrap_or(0);
    let before = c.activities.len();
    c.activities.extend(due);
    let mut list: Vec<Value> = c.activities.iter().skip(from).cloned().collect();
    // A duplicated delivery: the bot's last message of this poll listed twice.
    if c.duplicate_next && c.activities.len() > before {
        if let Some(last) = c.activities[before..].iter().rev().find(|a| a["type"] == "message") {
            if c.scheduled.is_empty() {
                list.push(last.clone());
                c.duplicate_next = false;
            }
        }
    }
    Json(json!({"activities": list, "watermark": c.activities.len().to_string()})).into_response()
}

/// `POST /api/v1/messages` (form): the helpdesk takes the customer's email
/// and posts its messages to `callback_url`.
async fn send_email(
    State(s): State<Shared>,
    h: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> impl IntoResponse {
    if h.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid API key"}))).into_response();
    }
    let (Some(callback), Some(body), Some(name)) = (f.get("callback_url"), f.get("body"), f.get("name")) else {
        return (StatusCode::UNPROCESSABLE_ENTITY, Json(json!({"error": "callback_url, name and body are required"})))
            .into_response();
    };
    let n = {
        let mut s = s.lock().unwrap();
        s.emails += 1;
        s.emails
    };
    let ticket = 70_400 + u64::from(n);
    let thread = format!("thr_{ticket}");
    let ack = json!({"event": "message.auto_reply", "id": format!("evt_{ticket}_1"), "thread": thread, "auto": true,
                     "from": {"name": "Brightwater Energy", "email": "help@brightwater.example"},
                     "html": answers::acknowledgement(ticket)});
    let reply = json!({"event": "message.created", "id": format!("evt_{ticket}_2"), "thread": thread, "auto": false,
                       "from": {"name": "Sam Patel", "email": "help@brightwater.example"},
                       "to": f.get("from"), "subject": format!("Re: {}", f.get("subject").map_or("", String::as_str)),
                       "html": answers::email_html(answers::topic(body), name)});
    let (callback, shared) = (callback.clone(), s.clone());
    tokio::spawn(async move {
        deliver(&shared, &callback, &ack).await;
        tokio::time::sleep(EMAIL_DELAY).await;
        // The helpdesk did not see our 200 in time and posts again: same id.
        deliver(&shared, &callback, &reply).await;
        deliver(&shared, &callback, &reply).await;
    });
    (
        StatusCode::ACCEPTED,
        Json(json!({"message": {"id": format!("msg_{ticket}"), "thread": thread, "status": "queued"}})),
    )
        .into_response()
}

async fn deliver(s: &Shared, url: &str, event: &Value) {
    let body = serde_json::to_vec(event).unwrap();
    let signature = format!("sha256={}", hmac_sha256_hex(SIGNING, &body));
    let sent = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("x-helpdesk-signature", signature)
        .body(body)
        .send()
        .await;
    let status = sent.map_or(0, |r| r.status().as_u16());
    s.lock().unwrap().deliveries.push(status);
}

async fn search(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    let first = {
        let mut s = s.lock().unwrap();
        s.searches += 1;
        s.searches == 1
    };
    if first {
        return (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "upstream timeout"}))).into_response();
    }
    let (slug, title, _) = answers::article(answers::topic(q.get("query").map(String::as_str).unwrap_or_default()));
    Json(json!({"results": [
        {"title": title, "html_url": format!("/hc/en-gb/articles/{slug}"), "snippet": "…"},
        {"title": "Help", "html_url": "/hc/en-gb/articles/100-help", "snippet": "Browse our help topics"}
    ], "count": 2}))
    .into_response()
}

async fn article(Path(slug): Path<String>) -> impl IntoResponse {
    let topics = [Topic::Tariff, Topic::Switching, Topic::Contact, Topic::Ev, Topic::Complaint, Topic::Other];
    match topics.iter().map(|t| answers::article(*t)).find(|(s, _, _)| *s == slug) {
        Some((_, title, body)) => Html(answers::page(title, body)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts the contact centre; its base URL and state.
pub async fn start() -> (String, Shared) {
    let state = Shared::default();
    let app = Router::new()
        .route("/v3/directline/conversations", post(open_chat))
        .route("/v3/directline/conversations/:id/activities", post(post_activity).get(activities))
        .route("/api/v1/messages", post(send_email))
        .route("/hc/api/search.json", get(search))
        .route("/hc/en-gb/articles/:slug", get(article))
        .with_state(state.clone());
    (serve(app).await, state)
}
