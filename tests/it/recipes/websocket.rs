//! A live chat over a WebSocket: the `websocket-chat` recipe against a chat
//! server that greets, shows typing, sends heartbeats (text and ping
//! frames) before the agent's answer; a socket that never answers ends at
//! `max_wait`; a socket URL outside the channel's origin is never dialled.

use super::run_recipe;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use touchpoint::record::{ErrorKind, Purpose};

const TOKEN: &str = "ws-test-41c9";

/// The agent's answer to a question.
fn answer(question: &str) -> &'static str {
    if question.contains("per month") {
        "Fibre 500 is £49.99 per month."
    } else {
        "You can return your router within 30 days of delivery."
    }
}

/// What the chat server saw.
#[derive(Default)]
struct Seen {
    conversations: AtomicU32,
    sockets: AtomicU32,
}

/// The chat server on 127.0.0.1:0, REST and sockets on one origin as
/// vendors serve them: `POST /api/v1/conversations` → `{"id": …}`;
/// `GET /api/v1/conversations/<id>/socket` (Upgrade, bearer token) → the
/// conversation's socket. `hang`: sockets that never say anything.
async fn chat(hang: bool) -> (String, Arc<Seen>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Seen::default());
    let shared = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let seen = shared.clone();
            tokio::spawn(async move {
                let _ = connection(tcp, hang, &seen).await;
            });
        }
    });
    (format!("http://{addr}"), seen)
}

/// One connection: the request head read by hand, then either the JSON
/// answer to `open` or the WebSocket handshake and the chat.
async fn connection(mut tcp: tokio::net::TcpStream, hang: bool, seen: &Seen) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if tcp.read(&mut byte).await? == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
        })
    };
    let authorised = header("authorization") == Some(format!("Bearer {TOKEN}"));
    if head.starts_with("POST /api/v1/conversations ") {
        let mut body = vec![0u8; header("content-length").and_then(|n| n.parse().ok()).unwrap_or(0)];
        tcp.read_exact(&mut body).await?;
        let n = seen.conversations.fetch_add(1, Ordering::SeqCst) + 1;
        let (status, json) =
            if authorised { ("200 OK", json!({"id": format!("c-{n}")})) } else { ("401 Unauthorized", json!({})) };
        let json = json.to_string();
        let resp = format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}", json.len());
        return tcp.write_all(resp.as_bytes()).await;
    }
    let key = header("sec-websocket-key").filter(|_| authorised && head.starts_with("GET /api/v1/conversations/c-"));
    let Some(key) = key else {
        return tcp.write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let resp = format!("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: {accept}\r\n\r\n");
    tcp.write_all(resp.as_bytes()).await?;
    seen.sockets.fetch_add(1, Ordering::SeqCst);
    let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(tcp, Role::Server, None).await;
    let send = |v: Value| Message::Text(v.to_string());
    if !hang {
        let _ = ws.send(send(json!({"type": "welcome", "text": "Hi! An agent will be with you shortly."}))).await;
    }
    while let Some(Ok(frame)) = ws.next().await {
        let Message::Text(t) = frame else { continue };
        if hang {
            continue;
        }
        let said: Value = serde_json::from_str(&t).unwrap_or_default();
        let question = said["text"].as_str().unwrap_or_default().to_string();
        let _ = ws.send(Message::Text("heartbeat".into())).await;
        let _ = ws.send(Message::Ping(vec![1, 2, 3])).await;
        let _ = ws.send(send(json!({"type": "typing", "from": "agent"}))).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let _ = ws.send(send(json!({"type": "message", "from": "agent", "text": answer(&question)}))).await;
    }
    Ok(())
}

#[tokio::test]
async fn websocket_chat_recipe_reads_the_agents_frame_among_greetings_typing_and_heartbeats() {
    std::env::set_var("CHAT_TOKEN", TOKEN);
    let (url, seen) = chat(false).await;
    let ran = run_recipe("websocket-chat", &url).await;
    assert_eq!(ran.run.exchanges.len(), 4);
    for x in &ran.run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        let reply = x.reply.as_ref().unwrap();
        assert_eq!(reply.text, answer(&x.message));
        let (first, last) = (reply.t_first_byte_us.unwrap(), reply.t_last_byte_us.unwrap());
        assert!(x.t_sent_us <= first && first < last, "{x:?}");
        let socket = x.http.iter().find(|h| h.purpose == Purpose::Send).unwrap();
        assert_eq!(socket.status, Some(101));
        assert!(socket.url.starts_with("ws://127.0.0.1:") && socket.url.ends_with("/socket"), "{}", socket.url);
        let frames = socket.body.as_deref().unwrap();
        assert!(frames.contains("heartbeat") && frames.contains("\"typing\""), "every frame is recorded: {frames}");
        assert!(socket.request_body.as_deref().unwrap().contains("\"type\":\"message\""));
    }
    assert_eq!(seen.sockets.load(Ordering::SeqCst), 4, "one socket per message");
    assert_eq!(seen.conversations.load(Ordering::SeqCst), 4, "one conversation per walk");
    let text = std::fs::read_to_string(ran.run_dir.join("run.jsonl")).unwrap();
    assert!(!text.contains(TOKEN), "the handshake's token is redacted");
    let v = &ran.verdict;
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    assert_eq!((v.counts.replies, v.counts.errors, v.counts.facts_correct, v.counts.facts_wrong), (4, 0, 4, 0));
}

const CHANNELS: &str = r#"
[chat]
kind = "chat"
headers = { Authorization = "Bearer {{ env.CHAT_TOKEN }}" }
retry = { attempts = 3, backoff = "10ms" }
open = { method = "POST", url = "/api/v1/conversations", json = {}, capture = { conversation = "$.id" } }
send = { url = "SOCKET", json = { type = "message", text = "{{ message }}" } }
[chat.receive]
mode = "websocket"
max_wait = "300ms"
reply = "$[?@.type == 'message' && @.from == 'agent']"
text = "$.text"
"#;

async fn run_inline(url: &str, socket: &str) -> touchpoint::record::RecordedRun {
    let channels = CHANNELS.replace("SOCKET", socket);
    let dir = crate::common::write_suite(&[
        ("map.toml", super::MAP),
        ("channels.toml", &channels),
        ("personas.toml", super::PERSONAS),
        ("sweeps.toml", super::SWEEPS),
    ]);
    let suite = crate::common::load(dir.path());
    let out = tempfile::tempdir().unwrap();
    let result = crate::common::run(suite, crate::common::options(out.path(), url)).await;
    touchpoint::record::read_run(&result.dir).unwrap()
}

#[tokio::test]
async fn a_silent_socket_ends_at_max_wait_as_a_timeout() {
    std::env::set_var("CHAT_TOKEN", TOKEN);
    let (url, seen) = chat(true).await;
    let started = std::time::Instant::now();
    let run = run_inline(&url, "/api/v1/conversations/{{ conversation }}/socket").await;
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "the walk never hangs");
    for x in &run.exchanges {
        let e = x.error.as_ref().expect("no answer");
        assert_eq!(e.kind, ErrorKind::Timeout, "{}", e.message);
        assert!(e.message.contains("stayed silent for 300ms"), "{}", e.message);
        let socket = x.http.iter().find(|h| h.purpose == Purpose::Send).unwrap();
        assert_eq!((socket.status, socket.body.as_deref()), (Some(101), Some("")));
    }
    assert_eq!(seen.sockets.load(Ordering::SeqCst), 2, "the frame is never sent twice");
}

#[tokio::test]
async fn a_socket_outside_the_channels_origin_is_never_dialled() {
    std::env::set_var("CHAT_TOKEN", TOKEN);
    let (url, _) = chat(false).await;
    let (elsewhere, other) = chat(false).await;
    let run = run_inline(&url, &format!("{elsewhere}/api/v1/conversations/c-1/socket")).await;
    for x in &run.exchanges {
        let e = x.error.as_ref().expect("refused");
        assert_eq!(e.kind, ErrorKind::Offsite, "{}", e.message);
        assert!(e.message.contains("outside this channel's origin"), "{}", e.message);
    }
    assert_eq!(
        other.sockets.load(Ordering::SeqCst) + other.conversations.load(Ordering::SeqCst),
        0,
        "nothing reached the other host"
    );
}
