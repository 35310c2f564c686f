//! The engine against a fault-injecting server on 127.0.0.1:0: every fault
//! becomes a recorded error on its step, and the run always finishes.

use crate::common;

use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use touchpoint::record::{read_run, ErrorKind, Purpose};

/// Serves the faults; returns its base URL.
async fn fault_server() -> String {
    let flaky = Arc::new(AtomicUsize::new(0));
    let app = Router::new()
        .route("/ok", post(|| async { axum::Json(serde_json::json!({"answer": "Refunds within 30 days."})) }))
        .route(
            "/flaky",
            post(move || {
                let n = flaky.fetch_add(1, Ordering::SeqCst);
                async move {
                    if n == 0 {
                        let mut h = HeaderMap::new();
                        h.insert("retry-after", "1".parse().unwrap());
                        (StatusCode::SERVICE_UNAVAILABLE, h, "busy").into_response()
                    } else {
                        axum::Json(serde_json::json!({"answer": "Refunds within 30 days."})).into_response()
                    }
                }
            }),
        )
        .route("/down", post(|| async { (StatusCode::SERVICE_UNAVAILABLE, "still down") }))
        // Echoes the credentials back, as a careless target might.
        .route(
            "/echo",
            post(|headers: HeaderMap| async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                axum::Json(serde_json::json!({"answer": format!("Refunds within 30 days. Your token is {auth}.")}))
            }),
        )
        // Echoes the request's Content-Type and body, as received.
        .route(
            "/ctype",
            post(|headers: HeaderMap, body: String| async move {
                let ctype = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                axum::Json(serde_json::json!({"answer": format!("{ctype}|{body}")}))
            }),
        )
        .route("/malformed", post(|| async { ([("content-type", "application/json")], "{\"answer\": \"trunc") }))
        .route(
            "/html",
            post(|| async {
                (
                    [("content-type", "text/html")],
                    "<html><body><h1>Maintenance</h1><script>alert(1)</script></body></html>",
                )
            }),
        )
        .route(
            "/hang",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                "never"
            }),
        )
        .route("/huge", post(|| async { "x".repeat(5 * 1024 * 1024) }))
        .route("/never/start", post(|| async { axum::Json(serde_json::json!({"id": "c1"})) }))
        .route("/never/events", get(|| async { axum::Json(serde_json::json!({"events": [], "next": 0})) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// A server that accepts connections and drops them at once (reset / closed).
async fn reset_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            // A zero linger makes close() send a reset; with zero it never blocks.
            #[allow(deprecated)]
            let _ = sock.set_linger(Some(Duration::ZERO));
            drop(sock);
        }
    });
    format!("http://{addr}")
}

/// The one-fact suite map, with a service level for the `api` channel.
fn map() -> String {
    format!("{}[sla]\napi = \"2s\"\n", common::REFUND_MAP)
}

const PERSONAS: &str = r#"
[[personas]]
id = "p"
name = "Pat Doe"
email = "pat@example.com"
"#;

/// A suite with one channel `api` posting to `path`, reply at `$.answer`.
fn suite_for(path: &str, extra: &str) -> tempfile::TempDir {
    let channels = format!(
        r#"
[api]
timeout = "700ms"
max_body = "64KB"
retry = {{ attempts = 2, on = [503], backoff = "50ms" }}
{extra}
[api.send]
method = "POST"
url = "{path}"
json = {{ text = "{{{{ message }}}}" }}
[api.receive]
reply = "$.answer"
"#
    );
    common::write_suite(&[
        ("map.toml", &map()),
        ("channels.toml", &channels),
        ("personas.toml", PERSONAS),
        ("scenarios/ask.toml", "persona = \"p\"\njourney = \"support\"\nsteps = [{ stage = \"ask\", channel = \"api\", ask = \"refund\" }]\n"),
    ])
}

async fn run_one(target: &str, path: &str) -> touchpoint::record::RecordedRun {
    let suite_dir = suite_for(path, "");
    let out = tempfile::tempdir().unwrap();
    let suite = common::load(suite_dir.path());
    let result = common::run(suite, common::options(out.path(), target)).await;
    assert!(!result.interrupted);
    let run = read_run(&result.dir).unwrap();
    assert!(run.end.is_some(), "the run must finish its file");
    assert_eq!(run.exchanges.len(), 1);
    run
}

#[tokio::test]
async fn a_good_answer_is_recorded_with_timings() {
    let target = fault_server().await;
    let run = run_one(&target, "/ok").await;
    let x = &run.exchanges[0];
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.reply.as_ref().unwrap().text, "Refunds within 30 days.");
    let h = &x.http[0];
    assert_eq!(h.status, Some(200));
    assert!(h.t_first_byte_us.unwrap() >= h.t_start_us && h.t_end_us >= h.t_first_byte_us.unwrap());
    assert!(h.request_body.as_ref().unwrap().contains("How long do I have to return it?"));
}

#[tokio::test]
async fn a_503_with_retry_after_is_retried_and_recorded() {
    let target = fault_server().await;
    let run = run_one(&target, "/flaky").await;
    let x = &run.exchanges[0];
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.http.len(), 2, "one 503, one retry");
    assert_eq!(x.http[0].status, Some(503));
    assert_eq!(x.http[0].headers.get("retry-after"), Some("1"));
    assert_eq!(x.http[1].attempt, 2);
    // Retry-After: 1 was honoured.
    assert!(x.http[1].t_start_us - x.http[0].t_end_us >= 900_000);
}

#[tokio::test]
async fn a_503_that_persists_is_a_status_error() {
    let target = fault_server().await;
    let run = run_one(&target, "/down").await;
    let e = run.exchanges[0].error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Status);
    assert!(e.message.contains("503"), "{}", e.message);
    assert_eq!(run.exchanges[0].http.len(), 2);
}

#[tokio::test]
async fn malformed_json_is_a_malformed_error_with_the_body_as_evidence() {
    let target = fault_server().await;
    let run = run_one(&target, "/malformed").await;
    let x = &run.exchanges[0];
    assert_eq!(x.error.as_ref().unwrap().kind, ErrorKind::Malformed);
    assert_eq!(x.http[0].body.as_deref(), Some("{\"answer\": \"trunc"));
}

#[tokio::test]
async fn html_where_json_was_expected_is_malformed() {
    let target = fault_server().await;
    let run = run_one(&target, "/html").await;
    let e = run.exchanges[0].error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Malformed);
    assert!(e.message.contains("not JSON"), "{}", e.message);
}

#[tokio::test]
async fn a_hung_connection_times_out() {
    let target = fault_server().await;
    let started = std::time::Instant::now();
    let run = run_one(&target, "/hang").await;
    assert_eq!(run.exchanges[0].error.as_ref().unwrap().kind, ErrorKind::Timeout);
    // Two attempts of 700 ms plus backoff: bounded, never an hour.
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// Issue 13 item 11: a body over `max_body` was "malformed"; it is too large.
#[tokio::test]
async fn a_5mb_body_is_truncated_marked_and_too_large() {
    let target = fault_server().await;
    let run = run_one(&target, "/huge").await;
    let x = &run.exchanges[0];
    let h = &x.http[0];
    assert!(h.truncated);
    assert_eq!(h.body.as_ref().unwrap().len(), 64 * 1024);
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::TooLarge);
    assert!(e.message.contains("max_body"), "{}", e.message);
}

#[tokio::test]
async fn a_reset_connection_is_a_connect_error() {
    let target = reset_server().await;
    let run = run_one(&target, "/ok").await;
    let e = run.exchanges[0].error.as_ref().unwrap();
    assert!(matches!(e.kind, ErrorKind::Connect | ErrorKind::Malformed), "{e:?}");
    assert_eq!(run.exchanges[0].http.len(), 2, "retried once");
}

#[tokio::test]
async fn a_reply_that_never_arrives_is_no_reply_after_max_wait() {
    let target = fault_server().await;
    let channels = r#"
[api]
timeout = "1s"
[api.open]
method = "POST"
url = "/never/start"
capture = { conversation = "$.id" }
[api.send]
method = "POST"
url = "/ok"
json = { text = "{{ message }}" }
[api.receive]
mode = "poll"
request = { url = "/never/events", query = { after = "{{ cursor }}" } }
every = "50ms"
max_every = "100ms"
max_wait = "600ms"
reply = "$.events[?@.role == 'agent']"
text = "$.text"
cursor = "$.next"
"#;
    let suite_dir = common::write_suite(&[
        ("map.toml", &map()),
        ("channels.toml", channels),
        ("personas.toml", PERSONAS),
        ("scenarios/ask.toml", "persona = \"p\"\njourney = \"support\"\nsteps = [{ stage = \"ask\", channel = \"api\", ask = \"refund\" }]\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let result = common::run(common::load(suite_dir.path()), common::options(out.path(), &target)).await;
    let run = read_run(&result.dir).unwrap();
    let x = &run.exchanges[0];
    assert_eq!(x.error.as_ref().unwrap().kind, ErrorKind::NoReply);
    let polls = x.http.iter().filter(|h| h.purpose == Purpose::Poll).count();
    assert!(polls >= 3, "polled {polls} times");
    assert!(run.end.is_some());
}

#[tokio::test]
async fn other_personas_go_on_when_one_fails() {
    let target = fault_server().await;
    let personas = "[[personas]]\nid = \"a\"\nname = \"A\"\nemail = \"a@x.com\"\n[[personas]]\nid = \"b\"\nname = \"B\"\nemail = \"b@x.com\"\n";
    let channels = "[good]\nsend = { method = \"POST\", url = \"/ok\" }\nreceive = { reply = \"$.answer\" }\n[bad]\nretry = { attempts = 1 }\nsend = { method = \"POST\", url = \"/down\" }\nreceive = { reply = \"$.answer\" }\n";
    let map = map().replace("api = \"2s\"", "good = \"2s\"");
    let suite_dir = common::write_suite(&[
        ("map.toml", &map),
        ("channels.toml", channels),
        ("personas.toml", personas),
        ("sweeps.toml", "[[sweeps]]\nid = \"all\"\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let result = common::run(common::load(suite_dir.path()), common::options(out.path(), &target)).await;
    let run = read_run(&result.dir).unwrap();
    assert_eq!(run.exchanges.len(), 4);
    assert_eq!(run.exchanges.iter().filter(|x| x.error.is_some()).count(), 2);
    assert_eq!(result.errors, 2);
}

/// Replies by webhook: the engine listens on loopback, gives each
/// conversation its own `{{ webhook_url }}`, and the demo's email calls it back.
#[tokio::test]
async fn a_reply_by_webhook_is_correlated_to_its_conversation() {
    let demo =
        touchpoint::demo::start(([127, 0, 0, 1], 0).into(), touchpoint::demo::DemoConfig { seed: 3, time_scale: 0.1 })
            .await
            .unwrap();
    let map = map().replace("api = \"2s\"", "mail = \"2s\"");
    let channels = r#"
[mail]
kind = "email"
[mail.send]
method = "POST"
url = "/email/inbound"
json = { from = "{{ persona.email }}", subject = "{{ subject }}", text = "{{ message }}", callback_url = "{{ webhook_url }}" }
capture = { message_id = "$.message_id" }
[mail.receive]
mode = "webhook"
max_wait = "10s"
reply = "$[?@.in_reply_to == '{{ message_id }}' && @.auto_reply == false]"
text = "$.text"
"#;
    let personas = "[[personas]]\nid = \"a\"\nname = \"Ann Lee\"\nemail = \"ann@example.com\"\n[[personas]]\nid = \"b\"\nname = \"Bo Chen\"\nemail = \"bo@example.com\"\n";
    let suite_dir = common::write_suite(&[
        ("map.toml", &map),
        ("channels.toml", channels),
        ("personas.toml", personas),
        ("sweeps.toml", "[[sweeps]]\nid = \"all\"\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let result = common::run(common::load(suite_dir.path()), common::options(out.path(), &demo.url())).await;
    let run = read_run(&result.dir).unwrap();
    assert_eq!(run.exchanges.len(), 2);
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        let reply = x.reply.as_ref().unwrap();
        assert!(reply.text.contains("14 days"), "{}", reply.text);
        // The callback is recorded as evidence, and it is this conversation's.
        let hook = x.http.iter().find(|h| h.purpose == Purpose::Webhook).expect("the callback is recorded");
        assert!(hook.body.as_ref().unwrap().contains(&x.captures["message_id"]));
    }
    demo.shutdown().await;
}

/// Secrets come from environment variables and never reach the record or
/// the derived files, even when the target echoes them back.
#[tokio::test]
async fn secrets_from_the_environment_are_redacted_everywhere() {
    let token = "s3cr3t-token-for-redaction-test";
    std::env::set_var("TP_REDACTION_TEST_TOKEN", token);
    let target = fault_server().await;
    let suite_dir = suite_for("/echo", "headers = { Authorization = \"Bearer {{ env.TP_REDACTION_TEST_TOKEN }}\" }");
    let out = tempfile::tempdir().unwrap();
    let suite = common::load(suite_dir.path());
    let result = common::run(suite.clone(), common::options(out.path(), &target)).await;
    let run = read_run(&result.dir).unwrap();
    let x = &run.exchanges[0];
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.http[0].request_headers.get("Authorization"), Some("Bearer ***"));
    assert!(x.reply.as_ref().unwrap().text.contains("Bearer ***"));
    touchpoint::artifacts::write_all(&result.dir, &suite, &Default::default()).unwrap();
    for file in ["run.jsonl", "verdict.json", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(result.dir.join(file)).unwrap();
        assert!(!text.contains(token), "{file} leaks the secret");
    }
}

/// The header that marks test traffic is sent and recorded with every request.
#[tokio::test]
async fn the_test_traffic_header_is_recorded_with_each_request() {
    let target = fault_server().await;
    let suite_dir = suite_for("/ok", "");
    let out = tempfile::tempdir().unwrap();
    let mut opts = common::options(out.path(), &target);
    opts.extra_headers = vec![("X-Touchpoint".into(), "audit".into())];
    let result = common::run(common::load(suite_dir.path()), opts).await;
    let run = read_run(&result.dir).unwrap();
    let h = &run.exchanges[0].http[0];
    assert_eq!(h.request_headers.get("x-touchpoint"), Some("audit"));
}

/// A JSON body is serialised once when prepared: the bytes sent are the
/// bytes recorded, with `application/json` unless the channel names its own
/// Content-Type.
#[tokio::test]
async fn a_json_body_is_sent_as_recorded_with_its_content_type() {
    let target = fault_server().await;
    for (extra, expected) in [
        ("", "application/json"),
        ("headers = { Content-Type = \"application/vnd.api+json\" }", "application/vnd.api+json"),
    ] {
        let suite_dir = suite_for("/ctype", extra);
        let out = tempfile::tempdir().unwrap();
        let result = common::run(common::load(suite_dir.path()), common::options(out.path(), &target)).await;
        let run = read_run(&result.dir).unwrap();
        let x = &run.exchanges[0];
        assert!(x.error.is_none(), "{:?}", x.error);
        let recorded = x.http[0].request_body.clone().unwrap();
        assert_eq!(recorded, r#"{"text":"How long do I have to return it?"}"#);
        assert_eq!(x.reply.as_ref().unwrap().text, format!("{expected}|{recorded}"));
    }
}

/// Two channels on one origin share their connections (one client per
/// lane for channels built alike, `engine/clients.rs`), and never each
/// other's credentials: the channel without an Authorization header sends
/// none, on the same connection the other one used.
#[tokio::test]
async fn channels_on_one_origin_share_connections_but_not_credentials() {
    use std::net::SocketAddr;
    use std::sync::Mutex;
    /// Each request: its path, the connection it came on, its Authorization header.
    type Seen = Arc<Mutex<Vec<(String, SocketAddr, Option<String>)>>>;
    let seen: Seen = Arc::default();
    let log = |path: &'static str, seen: Arc<Mutex<Vec<_>>>| {
        post(move |axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<SocketAddr>, headers: HeaderMap| {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_string);
            seen.lock().unwrap().push((path.to_string(), peer, auth));
            async { axum::Json(serde_json::json!({"answer": "Refunds within 30 days."})) }
        })
    };
    let app = Router::new().route("/chat", log("/chat", seen.clone())).route("/web", log("/web", seen.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let target = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await.unwrap()
    });
    std::env::set_var("TP_SHARED_CLIENT_TOKEN", "chat-only-token");
    let channels = r#"
[chat]
timeout = "5s"
headers = { Authorization = "Bearer {{ env.TP_SHARED_CLIENT_TOKEN }}" }
[chat.send]
method = "POST"
url = "/chat"
json = { text = "{{ message }}" }
[chat.receive]
reply = "$.answer"

[web]
timeout = "5s"
[web.send]
method = "POST"
url = "/web"
json = { text = "{{ message }}" }
[web.receive]
reply = "$.answer"
"#;
    let step = |ch: &str| format!("{{ stage = \"ask\", channel = \"{ch}\", ask = \"refund\" }}");
    let scenario = format!(
        "persona = \"p\"\njourney = \"support\"\nsteps = [{}]\n",
        ["chat", "web", "chat", "web"].map(step).join(", ")
    );
    let suite_dir = common::write_suite(&[
        ("map.toml", &format!("{}[sla]\nchat = \"2s\"\nweb = \"2s\"\n", common::REFUND_MAP)),
        ("channels.toml", channels),
        ("personas.toml", PERSONAS),
        ("scenarios/both.toml", &scenario),
    ]);
    let out = tempfile::tempdir().unwrap();
    let result = common::run(common::load(suite_dir.path()), common::options(out.path(), &target)).await;
    let run = read_run(&result.dir).unwrap();
    assert!(run.exchanges.iter().all(|x| x.error.is_none()), "{:?}", run.exchanges);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4, "{seen:?}");
    for (path, _, auth) in &seen {
        match path.as_str() {
            "/chat" => assert_eq!(auth.as_deref(), Some("Bearer chat-only-token")),
            _ => assert_eq!(auth, &None, "the web channel must not send the chat channel's credentials"),
        }
    }
    let connections: std::collections::BTreeSet<_> = seen.iter().map(|(_, peer, _)| *peer).collect();
    assert_eq!(connections.len(), 1, "one walk at a time, one origin: one connection for both channels ({seen:?})");
}
