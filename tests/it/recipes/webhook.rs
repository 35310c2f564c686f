//! Email replies by webhook, Mailgun-shaped: form-encoded callbacks, an
//! automatic acknowledgement to skip, a delivery sent twice; the receiver
//! bound on a second loopback address and announced by `--webhook-url`.

use crate::common;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use std::sync::{Arc, Mutex};
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::engine::webhook::Listen;
use touchpoint::record::{read_run, Purpose};

/// What the provider saw: the callback URLs it was given and the status of each delivery.
#[derive(Default)]
struct Seen {
    callbacks: Vec<String>,
    statuses: Vec<u16>,
}

/// `POST /v3/messages` (form) → `{"id": "<n@mg.example>"}`, then the inbound
/// reply is delivered to the form's `callback` as a route would: an
/// auto-reply (twice, same event id), then the agent's answer.
async fn provider() -> (String, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let app = Router::new()
        .route(
            "/v3/messages",
            post(|State(seen): State<Arc<Mutex<Seen>>>, form: axum::Form<Vec<(String, String)>>| async move {
                let field = |k: &str| form.0.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
                let callback = field("callback");
                let id = format!("<{}@mg.example>", rand_id(&field("from")));
                seen.lock().unwrap().callbacks.push(callback.clone());
                let reply_id = id.clone();
                tokio::spawn(async move {
                    let client = reqwest::Client::new();
                    let deliveries = [
                        (
                            "ev-auto",
                            vec![("Auto-Submitted", "auto-replied"), ("stripped-text", "We have your message.")],
                        ),
                        (
                            "ev-auto",
                            vec![("Auto-Submitted", "auto-replied"), ("stripped-text", "We have your message.")],
                        ),
                        ("ev-1", vec![("stripped-text", "Refunds are accepted within 30 days of delivery.")]),
                    ];
                    for (event, fields) in deliveries {
                        let mut form: Vec<(&str, &str)> =
                            vec![("In-Reply-To", &reply_id), ("sender", "help@acme.example")];
                        form.extend(fields);
                        let status =
                            match client.post(&callback).header("X-Mailgun-Event-Id", event).form(&form).send().await {
                                Ok(r) => r.status().as_u16(),
                                Err(_) => 0,
                            };
                        seen.lock().unwrap().statuses.push(status);
                    }
                });
                axum::Json(serde_json::json!({"id": id, "message": "Queued. Thank you."}))
            }),
        )
        .with_state(seen.clone());
    (super::serve(app).await, seen)
}

fn rand_id(from: &str) -> String {
    format!("{:x}", from.len() * 7919 + from.bytes().map(u64::from).sum::<u64>() as usize)
}

const CHANNELS: &str = r#"
[email]
kind = "email"
format = "text"
[email.send]
method = "POST"
url = "/v3/messages"
form = { from = "{{ persona.email }}", to = "help@acme.example", subject = "{{ subject }}", text = "{{ message }}", callback = "{{ webhook_url }}" }
capture = { message_id = "$.id" }
[email.receive]
mode = "webhook"
max_wait = "10s"
reply = "$[?@['In-Reply-To'] == '{{ message_id }}' && @['Auto-Submitted'] != 'auto-replied']"
text = "$['stripped-text']"
dedupe = { header = "X-Mailgun-Event-Id" }
"#;

#[tokio::test]
async fn form_callbacks_on_a_second_loopback_address_with_a_public_url() {
    let (url, seen) = provider().await;
    let dir = common::write_suite(&[
        ("map.toml", super::MAP),
        ("channels.toml", CHANNELS),
        ("personas.toml", super::PERSONAS),
        ("sweeps.toml", super::SWEEPS),
    ]);
    let suite = common::load(dir.path());
    // A free port on 127.0.0.2, the "public" side behind a path prefix.
    let port = std::net::TcpListener::bind("127.0.0.2:0").unwrap().local_addr().unwrap().port();
    let out = tempfile::tempdir().unwrap();
    let mut opts = common::options(out.path(), &url);
    opts.webhook_listen = Listen {
        addr: format!("127.0.0.2:{port}").parse().unwrap(),
        public_url: Some(format!("http://127.0.0.2:{port}/mailgun/")),
    };
    let result = common::run(suite.clone(), opts).await;
    let run = read_run(&result.dir).unwrap();
    assert_eq!(run.exchanges.len(), 2);
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        assert_eq!(x.reply.as_ref().unwrap().text, "Refunds are accepted within 30 days of delivery.");
        let hooks: Vec<_> = x.http.iter().filter(|h| h.purpose == Purpose::Webhook).collect();
        assert_eq!(hooks.len(), 3, "auto-reply, its duplicate, the answer");
        let dup = hooks[1].error.as_deref().unwrap_or_default();
        assert!(dup.contains("duplicate delivery of event `ev-auto`"), "{dup}");
        assert_eq!(hooks[0].request_headers.get("x-mailgun-event-id"), Some("ev-auto"));
    }
    let seen = seen.lock().unwrap();
    for cb in &seen.callbacks {
        let token =
            cb.strip_prefix(&format!("http://127.0.0.2:{port}/mailgun/hook/")).expect("the public URL is given");
        assert_eq!(token.len(), 32, "a 128-bit token: {cb}");
    }
    assert!(seen.statuses.iter().all(|s| (200..300).contains(s)), "{:?}", seen.statuses);
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert!(verdict.findings.is_empty(), "{:#?}", verdict.findings);
}
