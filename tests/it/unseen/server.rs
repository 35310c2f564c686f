//! Skylark Airways' contact centre on 127.0.0.1:0, three vendor shapes:
//!
//! - chat: `POST /v2/conversations`, `POST …/messages`, `GET …/messages?cursor=`
//!   — a message list with author types (`user`, `bot`, `system`), kinds
//!   (`text`, `typing`, `event`) and `meta.next_cursor`; the bot greets with
//!   today's date when the conversation opens; Ann's answers are listed
//!   twice in one poll (a duplicated delivery); Bo's come in two bubbles;
//! - email: a helpdesk's tickets — `POST /api/v2/tickets` (Bearer token),
//!   `GET /api/v2/tickets/:id/comments?since=` — an automatic
//!   acknowledgement by a rule at once, the agent's HTML comment after
//!   1.3 s (slower than the map's 1 s: a planted SLA breach);
//! - help centre: server-rendered pages, `GET /help/search?q=` (the very
//!   first search answers 503) → `GET /help/articles/:slug`.

use super::answers::{self, Topic};
use crate::recipes::serve;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "desk-7f3a";
/// How long the email agent takes to answer (the map's email SLA is 1 s).
const EMAIL_DELAY: Duration = Duration::from_millis(1300);
const CHAT_DELAY: Duration = Duration::from_millis(120);

#[derive(Default)]
pub struct Desk {
    conversations: Vec<Conversation>,
    tickets: HashMap<u64, Ticket>,
    pub searches: u32,
    pub chat_messages: u32,
    pub tickets_opened: u32,
}

struct Conversation {
    name: String,
    messages: Vec<Value>,
    pending: Option<(Instant, String)>,
}

struct Ticket {
    requester: String,
    comments: Vec<Value>,
    pending: Option<(Instant, String)>,
}

type Shared = Arc<Mutex<Desk>>;

fn text_message(id: usize, author: &str, text: &str) -> Value {
    json!({"id": format!("msg_{id}"), "author": {"type": author}, "kind": "text",
           "parts": [{"type": "text", "text": text}], "created_at": "2026-12-01T09:00:00Z"})
}

async fn open_chat(State(s): State<Shared>, Json(b): Json<Value>) -> impl IntoResponse {
    let mut s = s.lock().unwrap();
    let name = b["user"]["name"].as_str().unwrap_or_default().to_string();
    let first = name.split(' ').next().unwrap_or_default().to_string();
    let id = s.conversations.len();
    let messages = vec![
        json!({"id": "evt_0", "author": {"type": "system"}, "kind": "event", "event": "conversation.started"}),
        text_message(1, "bot", &answers::chat_greeting(&first)),
    ];
    s.conversations.push(Conversation { name, messages, pending: None });
    (StatusCode::CREATED, Json(json!({"conversation": {"id": format!("conv_{id}"), "state": "open"}})))
}

fn conversation(id: &str) -> Option<usize> {
    id.strip_prefix("conv_")?.parse().ok()
}

async fn chat_message(State(s): State<Shared>, Path(id): Path<String>, Json(b): Json<Value>) -> impl IntoResponse {
    let mut s = s.lock().unwrap();
    s.chat_messages += 1;
    let Some(c) = conversation(&id).and_then(|i| s.conversations.get_mut(i)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let text = b["parts"][0]["text"].as_str().unwrap_or_default().to_string();
    let n = c.messages.len();
    c.messages.push(text_message(n, "user", &text));
    c.messages.push(json!({"id": format!("evt_{}", n + 1), "author": {"type": "bot"}, "kind": "typing"}));
    c.pending = Some((Instant::now() + CHAT_DELAY, answers::chat(answers::topic(&text), &c.name)));
    (StatusCode::CREATED, Json(json!({"id": format!("msg_{n}")}))).into_response()
}

async fn chat_messages(
    State(s): State<Shared>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    let mut s = s.lock().unwrap();
    let Some(c) = conversation(&id).and_then(|i| s.conversations.get_mut(i)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let mut answered = None;
    if let Some((_, answer)) = c.pending.take_if(|(at, _)| Instant::now() >= *at) {
        let n = c.messages.len();
        if c.name == "Bo Chen" {
            // The members' bot answers in two bubbles: its first sentence, then the rest.
            let cut = answer.find(". ").map_or(answer.len(), |i| i + 1);
            c.messages.push(text_message(n, "bot", &answer[..cut]));
            c.messages.push(json!({"id": format!("evt_{}", n + 1), "author": {"type": "bot"}, "kind": "typing"}));
            c.messages.push(text_message(n + 2, "bot", answer[cut..].trim()));
        } else {
            c.messages.push(text_message(n, "bot", &answer));
        }
        answered = Some(n);
    }
    let from: usize = q.get("cursor").and_then(|c| c.parse().ok()).unwrap_or(0);
    let mut data: Vec<Value> = c.messages.iter().skip(from).cloned().collect();
    if let (Some(n), true) = (answered, c.name == "Ann Lee") {
        // A duplicated delivery: the same message (same id) listed twice.
        data.push(c.messages[n].clone());
    }
    Json(json!({"data": data, "meta": {"next_cursor": c.messages.len().to_string(), "has_more": false}}))
        .into_response()
}

fn authorised(h: &HeaderMap) -> bool {
    h.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {TOKEN}"))
}

async fn open_ticket(State(s): State<Shared>, h: HeaderMap, Json(b): Json<Value>) -> impl IntoResponse {
    if !authorised(&h) {
        return (StatusCode::UNAUTHORIZED, Json(json!({"error": "Couldn't authenticate you"}))).into_response();
    }
    let mut s = s.lock().unwrap();
    s.tickets_opened += 1;
    let id = 4821 + s.tickets.len() as u64;
    let t = &b["ticket"];
    let requester = t["requester"]["name"].as_str().unwrap_or_default().to_string();
    let body = t["comment"]["body"].as_str().unwrap_or_default().to_string();
    let comments = vec![
        json!({"id": id * 10, "author_role": "end-user", "via": "api", "public": true,
               "plain_body": body, "html_body": format!("<p>{body}</p>")}),
        json!({"id": id * 10 + 1, "author_role": "agent", "via": "rule", "public": true,
               "html_body": answers::acknowledgement(id)}),
    ];
    let answer = answers::email(answers::topic(&body), &requester);
    s.tickets.insert(id, Ticket { requester, comments, pending: Some((Instant::now() + EMAIL_DELAY, answer)) });
    (StatusCode::CREATED, Json(json!({"ticket": {"id": id, "status": "new"}}))).into_response()
}

async fn ticket_comments(
    State(s): State<Shared>,
    h: HeaderMap,
    Path(id): Path<u64>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    if !authorised(&h) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let mut s = s.lock().unwrap();
    let Some(t) = s.tickets.get_mut(&id) else { return StatusCode::NOT_FOUND.into_response() };
    if let Some((_, html)) = t.pending.take_if(|(at, _)| Instant::now() >= *at) {
        let n = t.comments.len() as u64;
        t.comments.push(json!({"id": id * 10 + n, "author_role": "agent", "via": "web", "public": true,
                               "author": {"name": "Priya Shah"}, "html_body": html, "to": t.requester}));
    }
    let from: usize = q.get("since").and_then(|c| c.parse().ok()).unwrap_or(0);
    let comments: Vec<Value> = t.comments.iter().skip(from).cloned().collect();
    Json(json!({"comments": comments, "next_since": t.comments.len(), "count": t.comments.len()})).into_response()
}

async fn search(State(s): State<Shared>, Query(q): Query<HashMap<String, String>>) -> impl IntoResponse {
    let first = {
        let mut s = s.lock().unwrap();
        s.searches += 1;
        s.searches == 1
    };
    if first {
        return (StatusCode::SERVICE_UNAVAILABLE, Html("<h1>503 Service Temporarily Unavailable</h1>".to_string()))
            .into_response();
    }
    let (slug, _) = answers::article(answers::topic(q.get("q").map(String::as_str).unwrap_or_default()));
    let results = format!(
        "<h1>Search results</h1><ol class=\"results\"><li><a href=\"/help/articles/{slug}\">Top result</a></li>\
         <li><a href=\"/help/articles/help\">Browse all help topics</a></li></ol>"
    );
    Html(answers::page(&results)).into_response()
}

async fn article(Path(slug): Path<String>) -> impl IntoResponse {
    let topics = [Topic::Baggage, Topic::Refund, Topic::Contact, Topic::Changes, Topic::Complaint, Topic::Other];
    match topics.iter().map(|t| answers::article(*t)).find(|(s, _)| *s == slug) {
        Some((_, body)) => Html(answers::page(body)).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Starts the contact centre; its base URL and state.
pub async fn start() -> (String, Shared) {
    let state = Shared::default();
    let app = Router::new()
        .route("/v2/conversations", post(open_chat))
        .route("/v2/conversations/:id/messages", post(chat_message).get(chat_messages))
        .route("/api/v2/tickets", post(open_ticket))
        .route("/api/v2/tickets/:id/comments", get(ticket_comments))
        .route("/help/search", get(search))
        .route("/help/articles/:slug", get(article))
        .with_state(state.clone());
    (serve(app).await, state)
}
