//! Chat: an asynchronous API shaped like real vendors'. The customer opens a
//! conversation, posts messages (answered 202, no reply inside) and polls an
//! event feed where the agent's typing indicator and reply appear later.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::api::{bearer_token, parse_json, ApiError};
use super::knowledge::{case_ref, Channel};
use super::store::{BoundedMap, Feed};
use super::{lock, now_rfc3339, seed, Shared};

/// Conversations kept before the oldest is forgotten.
const MAX_CONVERSATIONS: usize = 10_000;
/// Events kept per conversation; pollers that fall further behind lose the oldest.
const MAX_EVENTS: usize = 1_000;
/// Longest customer message accepted, in characters.
const MAX_TEXT_CHARS: usize = 4_000;
/// Agents who "join" a chat; one is picked per conversation from the seed.
const AGENTS: [&str; 4] = ["Sam", "Alex", "Jordan", "Maya"];
/// When the typing indicator appears after a customer message (before time_scale).
const TYPING_AFTER_MS: u64 = 100;
/// Range of the seeded reply delay (before time_scale).
const REPLY_AFTER_MS: (u64, u64) = (300, 900);

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/chat/conversations", post(open))
        .route("/chat/conversations/:id/messages", post(send))
        .route("/chat/conversations/:id/events", get(events))
}

/// Every open conversation.
pub(crate) struct Conversations {
    by_id: BoundedMap<String, Conversation>,
    /// How many conversations each customer email has opened, so that ids are
    /// derived from (customer, n) rather than from global arrival order.
    opened_by_customer: BoundedMap<String, u64>,
}

impl Default for Conversations {
    fn default() -> Self {
        Self { by_id: BoundedMap::new(MAX_CONVERSATIONS), opened_by_customer: BoundedMap::new(MAX_CONVERSATIONS) }
    }
}

struct Conversation {
    /// Random, unlike ids: knowing the seed must not let one customer read another's chat.
    token: String,
    customer_email: String,
    agent: &'static str,
    /// Customer messages so far; the n-th message seeds its reply delay.
    customer_messages: u64,
    /// When the latest queued reply is due; later replies never overtake it.
    last_reply_at: Option<Instant>,
    events: Feed<Event>,
}

#[derive(Debug, Clone, Serialize)]
struct Event {
    seq: u64,
    #[serde(rename = "type")]
    kind: EventKind,
    role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    at: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum EventKind {
    System,
    Message,
    Typing,
}

#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
enum Role {
    System,
    Customer,
    Agent,
}

impl Conversation {
    fn push(&mut self, kind: EventKind, role: Role, text: Option<String>) {
        self.events.push(|seq| Event { seq, kind, role, text, at: now_rfc3339() });
    }
}

#[derive(Deserialize, Default)]
struct OpenRequest {
    #[serde(default)]
    customer: Customer,
}

#[derive(Deserialize, Default)]
struct Customer {
    #[serde(default)]
    email: String,
    // `name` is accepted but unused: agents answer without greeting by name.
}

#[derive(Serialize)]
struct Opened {
    id: String,
    participant_token: String,
}

async fn open(State(shared): State<Arc<Shared>>, body: Bytes) -> Result<(StatusCode, Json<Opened>), ApiError> {
    let request: OpenRequest = parse_json(&body)?;
    let email = request.customer.email.trim().to_lowercase();
    let seed = shared.config.seed;
    let token = hex::encode(rand::random::<[u8; 16]>());

    let mut chat = lock(&shared.chat);
    let opened = chat.opened_by_customer.get_or_insert_with(email.clone(), || 0);
    *opened += 1;
    let id = format!("c_{}", seed::hex_id(seed, &["conversation", &email, &opened.to_string()]));
    let agent = AGENTS[seed::between(seed, &["agent", &id], 0, AGENTS.len() as u64 - 1) as usize];
    let conversation = Conversation {
        token: token.clone(),
        customer_email: email,
        agent,
        customer_messages: 0,
        last_reply_at: None,
        events: Feed::new(MAX_EVENTS),
    };
    chat.by_id.insert(id.clone(), conversation);
    Ok((StatusCode::CREATED, Json(Opened { id, participant_token: token })))
}

#[derive(Deserialize)]
struct SendRequest {
    text: String,
}

#[derive(Serialize)]
struct Queued {
    id: String,
    status: &'static str,
}

async fn send(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Queued>), ApiError> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    let request: SendRequest = parse_json(&body)?;
    let text = request.text.trim().to_owned();
    if text.is_empty() {
        return Err(ApiError::bad_request("`text` must not be empty"));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!("`text` is longer than {MAX_TEXT_CHARS} characters")));
    }

    let seed = shared.config.seed;
    let (message_id, reply, typing_at, reply_at) = {
        let mut chat = lock(&shared.chat);
        let conversation = authorised(&mut chat, &id, token)?;
        if conversation.customer_messages == 0 {
            let joined = format!("{} joined the chat", conversation.agent);
            conversation.push(EventKind::System, Role::System, Some(joined));
        }
        conversation.customer_messages += 1;
        conversation.push(EventKind::Message, Role::Customer, Some(text.clone()));

        let n = conversation.customer_messages.to_string();
        let message_id = format!("m_{}", seed::hex_id(seed, &["chat-message", &id, &n]));
        let (low, high) = REPLY_AFTER_MS;
        let reply_after = seed::between(seed, &["chat-delay", &id, &n], low, high);
        let now = Instant::now();
        let typing_at = now + shared.delay(TYPING_AFTER_MS);
        let mut reply_at = (now + shared.delay(reply_after)).max(typing_at);
        // Answer in the order asked, even when a later delay is shorter.
        if let Some(previous) = conversation.last_reply_at {
            reply_at = reply_at.max(previous + Duration::from_millis(1));
        }
        conversation.last_reply_at = Some(reply_at);

        // Worded now, from the answers in force when the customer asked.
        let case = case_ref(seed, &conversation.customer_email);
        let reply = shared.answers.reply(Channel::Chat, &text, Some(&case));
        (message_id, reply, typing_at, reply_at)
    };
    tokio::spawn(answer(shared, id, reply, typing_at, reply_at));
    Ok((StatusCode::ACCEPTED, Json(Queued { id: message_id, status: "queued" })))
}

/// The agent types, then replies; both land in the conversation's feed.
async fn answer(shared: Arc<Shared>, id: String, reply: String, typing_at: Instant, reply_at: Instant) {
    if !shared.pause_until(typing_at).await {
        return;
    }
    if let Some(conversation) = lock(&shared.chat).by_id.get_mut(&id) {
        conversation.push(EventKind::Typing, Role::Agent, None);
    }
    if !shared.pause_until(reply_at).await {
        return;
    }
    if let Some(conversation) = lock(&shared.chat).by_id.get_mut(&id) {
        conversation.push(EventKind::Message, Role::Agent, Some(reply));
    }
}

/// The conversation `id`, provided `token` is its participant token.
fn authorised<'a>(chat: &'a mut Conversations, id: &str, token: &str) -> Result<&'a mut Conversation, ApiError> {
    let conversation = chat.by_id.get_mut(id).ok_or_else(|| ApiError::not_found(format!("no conversation `{id}`")))?;
    if conversation.token != token {
        return Err(ApiError::unauthorized());
    }
    Ok(conversation)
}

#[derive(Deserialize)]
struct After {
    #[serde(default)]
    after: u64,
}

#[derive(Serialize)]
struct Events {
    events: Vec<Event>,
    next: u64,
}

async fn events(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    query: Result<Query<After>, QueryRejection>,
) -> Result<Json<Events>, ApiError> {
    let token = bearer_token(&headers).ok_or_else(ApiError::unauthorized)?;
    let Query(After { after }) = query.map_err(|err| ApiError::bad_request(err.body_text()))?;
    let mut chat = lock(&shared.chat);
    let conversation = authorised(&mut chat, &id, token)?;
    let (events, next) = conversation.events.since(after);
    Ok(Json(Events { events, next }))
}
