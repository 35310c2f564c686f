//! The embedded demo contact centre, driven over real HTTP the way
//! touchpoint's channels drive a company's chat, email and help centre.

mod chat;
mod email;
mod hard_answers;
mod help_centre;
mod lifecycle;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use touchpoint::demo::{self, DemoConfig, DemoHandle};

/// Fast enough for tests: the 300–900 ms chat reply takes 15–45 ms.
const TIME_SCALE: f64 = 0.05;
/// How long a poll loop waits before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

async fn start(seed: u64, time_scale: f64) -> DemoHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    demo::start(addr, DemoConfig { seed, time_scale }).await.expect("demo starts")
}

async fn start_fast() -> DemoHandle {
    start(42, TIME_SCALE).await
}

/// A customer's open chat.
struct Chat {
    base: String,
    id: String,
    token: String,
    cursor: u64,
}

impl Chat {
    async fn open(client: &Client, base: &str, email: &str) -> Chat {
        let response = client
            .post(format!("{base}/chat/conversations"))
            .json(&json!({"customer": {"name": "Sam Jones", "email": email}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        Chat {
            base: base.to_owned(),
            id: body["id"].as_str().unwrap().to_owned(),
            token: body["participant_token"].as_str().unwrap().to_owned(),
            cursor: 0,
        }
    }

    async fn send(&self, client: &Client, text: &str) -> Value {
        let response = client
            .post(format!("{}/chat/conversations/{}/messages", self.base, self.id))
            .bearer_auth(&self.token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        response.json().await.unwrap()
    }

    /// Polls the event feed until the agent replies; returns every event seen.
    async fn until_agent_replies(&mut self, client: &Client) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            let url = format!("{}/chat/conversations/{}/events?after={}", self.base, self.id, self.cursor);
            let body: Value = client.get(url).bearer_auth(&self.token).send().await.unwrap().json().await.unwrap();
            let events = body["events"].as_array().unwrap().clone();
            self.cursor = body["next"].as_u64().unwrap();
            let replied = events.iter().any(|event| event["type"] == "message" && event["role"] == "agent");
            seen.extend(events);
            if replied {
                return seen;
            }
            assert!(Instant::now() < deadline, "no agent reply in {PATIENCE:?}: {seen:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends `text` and returns the agent's reply, skipping typing events.
    async fn ask(&mut self, client: &Client, text: &str) -> String {
        self.send(client, text).await;
        let events = self.until_agent_replies(client).await;
        agent_text(&events)
    }
}

fn agent_text(events: &[Value]) -> String {
    let reply = events.iter().find(|event| event["type"] == "message" && event["role"] == "agent");
    reply.and_then(|event| event["text"].as_str()).unwrap_or_default().to_owned()
}

fn case_ref_in(text: &str) -> String {
    let start = text.find("CASE-").unwrap_or_else(|| panic!("no case reference in {text:?}"));
    let reference = &text[start..start + 10];
    assert!(reference[5..].chars().all(|c| c.is_ascii_digit()), "{reference}");
    reference.to_owned()
}

async fn email(client: &Client, base: &str, body: Value) -> reqwest::Response {
    client.post(format!("{base}/email/inbound")).json(&body).send().await.unwrap()
}

/// The messages in `address`'s mailbox after `after`.
async fn mailbox(client: &Client, base: &str, address: &str, after: u64) -> Value {
    let address: String = address.replace('@', "%40").replace('+', "%2B");
    let url = format!("{base}/email/mailbox/{address}?after={after}");
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// Polls `address`'s mailbox until a message that is not an auto-reply arrives.
async fn real_reply(client: &Client, base: &str, address: &str, thread_id: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = mailbox(client, base, address, 0).await;
        let found = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|message| message["auto_reply"] == false && message["thread_id"] == thread_id)
            .cloned();
        if let Some(message) = found {
            return message;
        }
        assert!(Instant::now() < deadline, "no email reply in {PATIENCE:?}: {body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls until `address`'s mailbox holds at least `count` messages after `after`.
async fn messages_after(client: &Client, base: &str, address: &str, after: u64, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = mailbox(client, base, address, after).await;
        let messages = body["messages"].as_array().unwrap();
        if messages.len() >= count {
            return messages.clone();
        }
        assert!(Instant::now() < deadline, "fewer than {count} messages in {PATIENCE:?}: {body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
