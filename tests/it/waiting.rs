//! A step waiting on polls keeps its attempts packed in memory
//! (`engine/polls.rs`, `engine/packed.rs`); the record must not notice:
//! every poll the target answered is in `run.jsonl`, in order, with its
//! own headers, times and body, whether the reply came or `max_wait` ran out.

use crate::common;
use axum::routing::{get, post};
use axum::Router;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use touchpoint::record::{read_run, ErrorKind, Exchange, Purpose};

/// `/start` opens a conversation; `/events` answers "nothing yet" with a
/// header numbering the poll (as a `date` header differs per poll), one
/// differing body on the third, and the agent's reply from poll `reply_at`
/// (never when 0). Returns the base URL and the number of polls answered.
async fn poll_server(reply_at: usize) -> (String, Arc<AtomicUsize>) {
    let polls = Arc::new(AtomicUsize::new(0));
    let counted = polls.clone();
    let app = Router::new()
        .route("/start", post(|| async { axum::Json(serde_json::json!({"id": "c1"})) }))
        .route("/ask", post(|| async { axum::Json(serde_json::json!({"ok": true})) }))
        .route(
            "/events",
            get(move || {
                let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
                async move {
                    let body = if n == reply_at {
                        serde_json::json!({"events": [{"role": "agent", "text": "Refunds within 30 days."}], "next": n})
                    } else if n == 3 {
                        serde_json::json!({"events": [{"role": "system", "text": "x".repeat(600)}], "next": 0})
                    } else {
                        serde_json::json!({"events": [], "next": 0})
                    };
                    ([("x-poll", n.to_string())], axum::Json(body))
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), polls)
}

async fn run_polling(target: &str, max_wait: &str) -> Exchange {
    let channels = format!(
        r#"
[api]
timeout = "2s"
[api.open]
method = "POST"
url = "/start"
capture = {{ conversation = "$.id" }}
[api.send]
method = "POST"
url = "/ask"
json = {{ text = "{{{{ message }}}}" }}
[api.receive]
mode = "poll"
request = {{ url = "/events", query = {{ after = "{{{{ cursor }}}}" }} }}
every = "20ms"
max_every = "20ms"
max_wait = "{max_wait}"
reply = "$.events[?@.role == 'agent']"
text = "$.text"
cursor = "$.next"
"#
    );
    let suite_dir = common::write_suite(&[
        ("map.toml", &format!("{}[sla]\napi = \"2s\"\n", common::REFUND_MAP)),
        ("channels.toml", &channels),
        ("personas.toml", "[[personas]]\nid = \"p\"\nname = \"Pat Doe\"\nemail = \"pat@example.com\"\n"),
        ("scenarios/ask.toml", "persona = \"p\"\njourney = \"support\"\nsteps = [{ stage = \"ask\", channel = \"api\", ask = \"refund\" }]\n"),
    ]);
    let out = tempfile::tempdir().unwrap();
    let result = common::run(common::load(suite_dir.path()), common::options(out.path(), target)).await;
    let mut run = read_run(&result.dir).unwrap();
    assert_eq!(run.exchanges.len(), 1);
    run.exchanges.remove(0)
}

/// Every poll answered is recorded once, in order, with what it received.
fn assert_every_poll_recorded(x: &Exchange, answered: usize) {
    let purposes: Vec<Purpose> = x.http.iter().map(|h| h.purpose).take(2).collect();
    assert_eq!(purposes, [Purpose::Open, Purpose::Send], "the open and send come first");
    let polls: Vec<_> = x.http.iter().skip(2).collect();
    assert!(polls.iter().all(|h| h.purpose == Purpose::Poll));
    assert_eq!(polls.len(), answered, "every poll the target answered is recorded");
    for (i, h) in polls.iter().enumerate() {
        assert_eq!(h.headers.get("x-poll"), Some((i + 1).to_string().as_str()), "poll {i}");
        assert_eq!(h.status, Some(200));
        assert!(h.t_end_us >= h.t_start_us && h.t_first_byte_us.is_some());
        assert!(h.url.ends_with("/events?after=0"), "{}", h.url);
        assert!(h.body.is_some(), "small bodies are kept whole: {:?}", h.body_hash);
    }
    assert!(polls.windows(2).all(|w| w[0].t_start_us < w[1].t_start_us), "in the order sent");
    assert!(polls[2].body.as_deref().is_some_and(|b| b.contains(&"x".repeat(600))), "the differing body, whole");
}

#[tokio::test]
async fn a_step_waiting_on_polls_records_every_attempt_when_the_reply_comes() {
    let (target, answered) = poll_server(9).await;
    let x = run_polling(&target, "5s").await;
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.reply.as_ref().map(|r| r.text.as_str()), Some("Refunds within 30 days."));
    assert_every_poll_recorded(&x, answered.load(Ordering::SeqCst));
    assert_eq!(answered.load(Ordering::SeqCst), 9);
}

#[tokio::test]
async fn a_step_waiting_on_polls_records_every_attempt_when_max_wait_runs_out() {
    let (target, answered) = poll_server(0).await;
    let x = run_polling(&target, "300ms").await;
    assert_eq!(x.error.as_ref().map(|e| e.kind), Some(ErrorKind::NoReply));
    let n = answered.load(Ordering::SeqCst);
    assert!(n >= 5, "polled {n} times");
    assert!(x.error.as_ref().unwrap().message.contains(&format!("polled {n} times")), "{:?}", x.error);
    assert_every_poll_recorded(&x, n);
}
