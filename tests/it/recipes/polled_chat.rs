//! A chat read by polling its transcript, Amazon-Connect-participant-shaped:
//! start → connection → message, then `POST /participant/transcript` from
//! `NextToken`. Faults: one poll answers truncated JSON, one answers 429
//! with `Retry-After`; both are retried and neither becomes a finding.

use super::{run_recipe, serve, vendor};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use touchpoint::record::Purpose;

#[derive(Default)]
struct Connect {
    /// participant token → contact id; connection token → contact id.
    participants: HashMap<String, usize>,
    connections: HashMap<String, usize>,
    contacts: Vec<Contact>,
    messages: usize,
}

#[derive(Default)]
struct Contact {
    name: String,
    transcript: Vec<Value>,
    /// The agent's answer and when it is written to the transcript.
    pending: Option<(Instant, String)>,
    polls: u32,
}

impl Contact {
    fn push(&mut self, item: Value) {
        let mut item = item;
        item["Id"] = json!(format!("m-{}", self.transcript.len()));
        self.transcript.push(item);
    }
}

type Shared = Arc<Mutex<Connect>>;

fn bearer(h: &HeaderMap) -> String {
    h.get("x-amz-bearer").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

async fn connect() -> (String, Shared) {
    let state = Shared::default();
    let app = Router::new()
        .route(
            "/contact/chat",
            post(|State(s): State<Shared>, Json(b): Json<Value>| async move {
                let mut s = s.lock().unwrap();
                let id = s.contacts.len();
                let name = b["ParticipantDetails"]["DisplayName"].as_str().unwrap_or_default().to_string();
                s.contacts.push(Contact { name, ..Contact::default() });
                let token = format!("pt-{id}");
                s.participants.insert(token.clone(), id);
                Json(json!({"ContactId": format!("contact-{id}"), "ParticipantId": format!("p-{id}"), "ParticipantToken": token}))
            }),
        )
        .route(
            "/participant/connection",
            post(|State(s): State<Shared>, h: HeaderMap| async move {
                let mut s = s.lock().unwrap();
                let Some(&id) = s.participants.get(&bearer(&h)) else { return StatusCode::FORBIDDEN.into_response() };
                let token = format!("ct-{id}-{}", s.connections.len());
                s.connections.insert(token.clone(), id);
                Json(json!({"ConnectionCredentials": {"ConnectionToken": token, "Expiry": "2030-01-01T00:00:00Z"}})).into_response()
            }),
        )
        .route(
            "/participant/message",
            post(|State(s): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
                let mut s = s.lock().unwrap();
                let Some(&id) = s.connections.get(&bearer(&h)) else { return StatusCode::FORBIDDEN.into_response() };
                s.messages += 1;
                let content = b["Content"].as_str().unwrap_or_default().to_string();
                let c = &mut s.contacts[id];
                c.push(json!({"Type": "MESSAGE", "ParticipantRole": "CUSTOMER", "Content": content}));
                c.push(json!({"Type": "EVENT", "ContentType": "application/vnd.amazonaws.connect.event.typing", "ParticipantRole": "AGENT"}));
                c.pending = Some((Instant::now() + Duration::from_millis(150), vendor::answer(&content).to_string()));
                Json(json!({"Id": format!("m-{id}"), "AbsoluteTime": "2026-12-01T00:00:00Z"})).into_response()
            }),
        )
        .route(
            "/participant/transcript",
            post(|State(s): State<Shared>, h: HeaderMap, Json(b): Json<Value>| async move {
                let mut s = s.lock().unwrap();
                let Some(&id) = s.connections.get(&bearer(&h)) else { return StatusCode::FORBIDDEN.into_response() };
                let c = &mut s.contacts[id];
                c.polls += 1;
                if let Some((_, answer)) = c.pending.take_if(|(at, _)| Instant::now() >= *at) {
                    c.push(json!({"Type": "MESSAGE", "ParticipantRole": "AGENT", "DisplayName": "Sam", "Content": answer}));
                }
                let from: usize = b["NextToken"].as_str().and_then(|t| t.parse().ok()).unwrap_or(0);
                let items: Vec<Value> = c.transcript.iter().skip(from).cloned().collect();
                let body = json!({"Transcript": items, "NextToken": c.transcript.len().to_string()}).to_string();
                // Ann's contacts: the first poll is cut mid-JSON, the second is throttled.
                if c.name == "Ann Lee" && c.polls == 1 {
                    return (StatusCode::OK, [("content-type", "application/json")], body[..body.len() / 2].to_string()).into_response();
                }
                if c.name == "Ann Lee" && c.polls == 2 {
                    return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "{\"message\":\"Rate exceeded\"}".to_string()).into_response();
                }
                (StatusCode::OK, [("content-type", "application/json")], body).into_response()
            }),
        )
        .with_state(state.clone());
    (serve(app).await, state)
}

#[tokio::test]
async fn polled_chat_recipe_reads_every_answer_through_a_truncated_poll_and_a_429() {
    std::env::set_var("CONNECT_INSTANCE_ID", "inst-1");
    let (url, state) = connect().await;
    let ran = run_recipe("polled-chat", &url).await;
    assert_eq!(ran.run.exchanges.len(), 4);
    for x in &ran.run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        assert_eq!(x.reply.as_ref().unwrap().text, vendor::answer(&x.message));
        let polls: Vec<_> = x.http.iter().filter(|h| h.purpose == Purpose::Poll).collect();
        if x.task.persona == "ann" {
            let cut = polls[0].error.as_deref().unwrap_or_default();
            assert!(cut.contains("not JSON"), "the truncated poll is recorded: {cut}");
            assert_eq!(
                (polls[1].status, polls[2].status, polls[2].attempt),
                (Some(429), Some(200), 2),
                "429 waited out"
            );
            assert!(polls[2].t_start_us - polls[1].t_end_us >= 1_000_000, "Retry-After: 1 honoured");
        }
    }
    assert_eq!(state.lock().unwrap().messages, 4, "every message sent once");
    // The whole verdict: no transient fault became a finding or a problem.
    let v = &ran.verdict;
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors, c.facts_correct, c.facts_wrong), (4, 4, 0, 4, 0));
}
