//! The engine against a hostile target (`server.rs`): every misbehaviour is
//! recorded on its step, no credential leaves the channel's origin, and
//! each run still finishes its record. Tests are named after the item of
//! issue 13 they reproduce.

mod bounds;
mod server;
mod workers;

use crate::common;
use std::time::Duration;
use touchpoint::record::{read_run, ErrorKind, Exchange, Purpose};

/// A secret with characters that change under every encoding.
const SECRET: &str = "abc+def/ghi==K3y";
const SECRET_VAR: &str = "TP_HOSTILE_API_KEY";

const PERSONAS: &str = "[[personas]]\nid = \"p\"\nname = \"Pat Doe\"\nemail = \"pat@example.com\"\n";

/// A channel `api` that sends the secret as a header and a query parameter
/// on every request; `sends` are its `[[api.send]]` tables.
fn suite(sends: &[&str], extra: &str) -> tempfile::TempDir {
    suite_receiving(sends, extra, "reply = \"$.answer\"")
}

/// Like [`suite`], with its own `[api.receive]` table body.
fn suite_receiving(sends: &[&str], extra: &str, receive: &str) -> tempfile::TempDir {
    std::env::set_var(SECRET_VAR, SECRET);
    let timeout = if extra.contains("timeout") { "" } else { "timeout = \"2s\"\n" };
    let max_body = if extra.contains("max_body") { "" } else { "max_body = \"64KB\"\n" };
    let mut channels = format!(
        "[api]\n{timeout}{max_body}retry = {{ attempts = 3, on = [503], backoff = \"20ms\" }}\n\
         headers = {{ X-Api-Key = \"{{{{ env.{SECRET_VAR} }}}}\" }}\n{extra}\n[api.receive]\n{receive}\n"
    );
    for send in sends {
        channels.push_str(&format!("[[api.send]]\n{send}\n"));
    }
    common::write_suite(&[
        ("map.toml", common::REFUND_MAP),
        ("channels.toml", &channels),
        ("personas.toml", PERSONAS),
        ("scenarios/ask.toml", "persona = \"p\"\njourney = \"support\"\nsteps = [{ stage = \"ask\", channel = \"api\", ask = \"refund\" }]\n"),
    ])
}

/// A POST carrying the message, the persona's email and the secret.
fn post(path: &str) -> String {
    format!(
        "method = \"POST\"\nurl = \"{path}\"\nquery = {{ api_key = \"{{{{ env.{SECRET_VAR} }}}}\" }}\n\
         json = {{ text = \"{{{{ message }}}}\", email = \"{{{{ persona.email }}}}\" }}"
    )
}

/// Runs the suite against the hostile target; the run always finishes.
async fn run(dir: &tempfile::TempDir, target: &str) -> (Exchange, std::path::PathBuf, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let suite = common::load(dir.path());
    let result = common::run(suite.clone(), common::options(out.path(), target)).await;
    let run = read_run(&result.dir).unwrap();
    assert!(run.end.is_some(), "the run must finish its file");
    assert_eq!(run.exchanges.len(), 1);
    // Every run writes its verdict, JUnit and report, whatever the target did.
    touchpoint::artifacts::write_all(&result.dir, &suite, &Default::default()).unwrap();
    for file in ["run.jsonl", "verdict.json", "junit.xml", "report.html"] {
        let text = std::fs::read_to_string(result.dir.join(file)).unwrap();
        assert_no_secret(&text, file);
    }
    (run.exchanges[0].clone(), result.dir, out)
}

fn assert_no_secret(text: &str, place: &str) {
    let r = touchpoint::redact::Redactor::new([SECRET.to_string()]);
    assert!(!r.contains_secret(text), "{place} holds the secret in some form:\n{}", &text[..text.len().min(3000)]);
}

fn assert_nothing_stolen(h: &server::Hostile) {
    for seen in h.stolen.all() {
        assert_no_secret(&seen.raw, "a request to 127.0.0.2");
        assert!(!seen.raw.to_ascii_lowercase().contains("x-api-key"), "{}", seen.raw);
        assert!(!seen.raw.contains("pat@example.com"), "the persona's email reached the other host: {}", seen.raw);
    }
}

/// Issue 13 item 1: on a 307 to another host the key, the POST body and a
/// Referer holding the key reached the other host, and the hop was nowhere.
#[tokio::test]
async fn credentials_follow_the_target_cross_host_307_is_refused() {
    for status in ["302", "307"] {
        let h = server::start().await;
        let dir = suite(&[&post(&format!("/redirect/{status}"))], "");
        let (x, _, _out) = run(&dir, &h.url).await;
        assert!(h.stolen.all().is_empty(), "{status}: the other host was contacted: {:?}", h.stolen.all());
        let e = x.error.as_ref().expect("a refused redirect is an error");
        assert_eq!(e.kind, ErrorKind::Offsite, "{status}: {e:?}");
        assert!(e.message.contains("127.0.0.2") && e.message.contains("allowed_hosts"), "{}", e.message);
        // The redirect itself is in the record, as the target sent it.
        assert_eq!(x.http.len(), 1);
        assert_eq!(x.http[0].status.map(|s| s.to_string()).as_deref(), Some(status));
        assert!(x.http[0].headers.get("location").is_some_and(|l| l.contains("127.0.0.2")));
        assert_nothing_stolen(&h);
    }
}

/// With the other host listed in `allowed_hosts`, the redirect is followed —
/// as its own recorded hop — but without the channel's headers or secrets.
#[tokio::test]
async fn credentials_follow_the_target_allowed_host_gets_no_credentials() {
    let h = server::start().await;
    let other_host = h.other.trim_start_matches("http://").to_string();
    // A 302 after a POST continues as a GET without the body; the URL kept
    // the key in its query, so even the allowed host is refused it.
    let dir = suite(
        &["method = \"POST\"\nurl = \"/redirect/302\"\njson = { text = \"{{ message }}\" }"],
        &format!("allowed_hosts = [\"{other_host}\"]"),
    );
    let (x, _, _out) = run(&dir, &h.url).await;
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.http.len(), 2, "the hop is its own attempt");
    assert_eq!(x.http[1].method, "GET");
    assert!(x.http[1].url.contains("127.0.0.2"));
    assert!(x.http[1].request_headers.is_empty(), "no channel headers off the origin");
    assert_eq!(h.stolen.count("/landing"), 1);
    assert_nothing_stolen(&h);

    // A 307 keeps the POST and its body (the host is trusted), never the headers.
    let h = server::start().await;
    let dir =
        suite(&[&post("/redirect/307")], &format!("allowed_hosts = [\"{}\"]", h.other.trim_start_matches("http://")));
    let (x, _, _out) = run(&dir, &h.url).await;
    assert!(x.error.is_none(), "{:?}", x.error);
    let landed = h.stolen.all();
    assert_eq!(landed.len(), 1);
    assert!(landed[0].raw.starts_with("POST /landing") && landed[0].raw.contains("How long"), "{}", landed[0].raw);
    assert_no_secret(&landed[0].raw, "the allowed host");
    assert!(!landed[0].raw.to_ascii_lowercase().contains("x-api-key"));

    // A secret in a body bound for an allowed host is refused.
    let h = server::start().await;
    let leaky =
        format!("method = \"POST\"\nurl = \"/redirect/307\"\njson = {{ key = \"{{{{ env.{SECRET_VAR} }}}}\" }}");
    let dir = suite(&[&leaky], &format!("allowed_hosts = [\"{}\"]", h.other.trim_start_matches("http://")));
    let (x, _, _out) = run(&dir, &h.url).await;
    assert_eq!(x.error.as_ref().map(|e| e.kind), Some(ErrorKind::Offsite), "the body carries the secret");
    assert!(h.stolen.all().is_empty());
}

/// Issue 13 item 1: a captured absolute URL, or `@host` glued onto the
/// base, sent the request with the key to another host.
#[tokio::test]
async fn credentials_follow_the_target_captured_urls_stay_in_the_origin() {
    let h = server::start().await;
    let capture = "url = \"/links/absolute\"\ncapture = { article = \"$.url\" }";
    let dir = suite(&[capture, "url = \"{{ article }}\""], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    assert_eq!(x.error.as_ref().map(|e| e.kind), Some(ErrorKind::Offsite), "{:?}", x.error);
    assert!(h.stolen.all().is_empty());

    let h = server::start().await;
    let capture = "url = \"/links/glued\"\ncapture = { article = \"$.url\" }";
    let dir = suite(&[capture, "url = \"{{ article }}\""], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    assert!(h.stolen.all().is_empty(), "{:?}", h.stolen.all());
    // The glued authority became a path on the channel's own host.
    let last = x.http.last().unwrap();
    assert!(last.url.starts_with(&h.url) && last.url.contains("/@127.0.0.2"), "{}", last.url);
}

/// Captured values are one path segment: `../../admin?x=1#` cannot climb
/// the path or add a query.
#[tokio::test]
async fn captured_values_are_percent_encoded_into_paths() {
    let h = server::start().await;
    let capture = "url = \"/links/traversal\"\ncapture = { id = \"$.id\" }";
    let dir = suite(&[capture, "url = \"/ok/{{ id }}/x\""], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    let last = x.http.last().unwrap();
    assert!(last.url.contains("/ok/..%2F..%2Fadmin%3Fx=1%23/x"), "{}", last.url);
    assert_eq!(h.seen.count("/admin"), 0);
}

/// A redirect loop ends after a bounded number of hops, each recorded.
#[tokio::test]
async fn too_many_redirects_is_its_own_error() {
    let h = server::start().await;
    let dir = suite(&[&post("/redirect/loop")], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Redirects, "{e:?}");
    assert_eq!(x.http.len(), 11, "the first request and 10 hops, every one recorded");
    assert!(x.http.windows(2).all(|w| w[1].attempt == w[0].attempt + 1));
}

/// A redirect inside the origin is followed by hand: the 307 keeps the
/// method, body and headers, and both requests are in the record.
#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_and_recorded() {
    let h = server::start().await;
    let dir = suite(&[&post("/redirect/home")], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.http.iter().map(|a| a.status).collect::<Vec<_>>(), vec![Some(307), Some(200)]);
    assert_eq!(x.http[1].method, "POST");
    assert!(x.http[1].request_headers.get("X-Api-Key").is_some_and(|v| v == "***"));
    let ok = h.seen.all().into_iter().find(|s| s.path == "/ok").unwrap();
    assert!(ok.raw.contains("pat@example.com") && ok.raw.contains(SECRET.split('+').next().unwrap()));
}

/// Issue 13 item 2: a secret echoed back percent-encoded, JSON-escaped or in
/// the raw request was recorded as it came.
#[tokio::test]
async fn redaction_by_literal_match_echoed_forms_are_redacted() {
    let h = server::start().await;
    let dir = suite(&[&post("/echo")], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    assert!(x.error.is_none(), "{:?}", x.error);
    let text = &x.reply.as_ref().unwrap().text;
    assert!(text.contains("api_key=***"), "{text}");
    assert!(x.http[0].url.ends_with("api_key=***"), "{}", x.http[0].url);
}

/// Issue 13 item 8: when the body broke after a 200, the POST was sent
/// again — duplicate messages in production.
#[tokio::test]
async fn customer_messages_are_not_resent_after_the_target_answered() {
    let h = server::start().await;
    let dir = suite(&[&post("/reset-mid-body")], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Body, "{e:?}");
    assert!(e.message.contains("HTTP 200") && e.message.contains("not sent again"), "{}", e.message);
    assert_eq!(h.seen.count("/reset-mid-body"), 1, "sent once");
    assert_eq!(x.http.len(), 1);
}

/// Issue 13 item 11: oversized headers were "could not be reached".
#[tokio::test]
async fn errors_misclassified_huge_headers_are_malformed() {
    let h = server::start().await;
    let dir = suite(&[&post("/huge-headers")], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Malformed, "{e:?}");
    assert!(e.message.contains("not valid HTTP"), "{}", e.message);
}

/// Issue 13 item 11: https against a plain-HTTP port said "corrupt message
/// of type InvalidContentType".
#[tokio::test]
async fn errors_misclassified_tls_against_plain_http() {
    let h = server::start().await;
    let dir = suite(&[&post("/ok")], "");
    let (x, _, _out) = run(&dir, &h.url.replace("http://", "https://")).await;
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Tls, "{e:?}");
    assert!(e.message.contains("does not speak TLS") && e.message.contains("http://"), "{}", e.message);
}

/// A reply full of NUL, ESC and BEL bytes is recorded and every output is still written.
#[tokio::test]
async fn control_characters_in_replies_reach_no_output_raw() {
    let h = server::start().await;
    let dir = suite(&[&post("/nul-ansi")], "");
    let (x, run_dir, _out) = run(&dir, &h.url).await;
    assert!(x.reply.as_ref().unwrap().text.contains('\u{1b}'), "the record keeps the raw reply");
    for file in ["junit.xml", "report.html"] {
        let text = std::fs::read_to_string(run_dir.join(file)).unwrap();
        assert!(!text.contains(['\u{0}', '\u{1b}', '\u{7}']), "{file} holds raw control characters");
    }
}

/// Issue 13 item 7: a stop during a slow response waited for it and then
/// recorded the step as "not sent" although the target had answered.
#[tokio::test]
async fn stop_does_not_stop_a_drip_is_cancelled_at_once() {
    let h = server::start().await;
    let dir = suite(&[&post("/drip")], "timeout = \"60s\"");
    let out = tempfile::tempdir().unwrap();
    let suite = common::load(dir.path());
    let (tx, rx) = tokio::sync::watch::channel(false);
    let opts = common::options(out.path(), &h.url);
    let task = tokio::spawn(touchpoint::engine::run(std::sync::Arc::new(suite), opts, rx));
    while h.seen.count("/drip") == 0 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped_at = std::time::Instant::now();
    tx.send(true).unwrap();
    let result = task.await.unwrap().unwrap();
    assert!(stopped_at.elapsed() < Duration::from_millis(500), "took {:?}", stopped_at.elapsed());
    let run = read_run(&result.dir).unwrap();
    let x = &run.exchanges[0];
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Stopped, "{e:?}");
    assert!(e.message.contains("HTTP 200"), "{}", e.message);
    assert!(!e.kind.not_attempted(), "--resume must not send it again");
    assert_eq!(x.http[0].purpose, Purpose::Send);
    assert_eq!(x.http[0].status, Some(200));
}

/// Issue 13 item 5: a reply nested 126 deep in JSON was recorded but could
/// not be read back — no verdict, JUnit or report for the whole run.
#[tokio::test]
async fn a_reply_nested_at_the_readers_edge_reads_back() {
    let h = server::start().await;
    let dir = suite(&[&post("/deep-json")], "");
    let (x, _, _out) = run(&dir, &h.url).await;
    assert!(x.error.is_none(), "{:?}", x.error);
    assert!(x.reply.as_ref().unwrap().text.contains("30 days"));
    let item = x.reply.as_ref().unwrap().item.as_ref().unwrap();
    assert!(item.is_string(), "an item too deep to read back is recorded as its JSON text");
}

/// Issue 13 item 4: 20,000 nested `<div>` overflowed a worker's stack and
/// aborted the run; html5ever is quadratic in depth. Deep HTML is refused
/// before parsing where a selector needs the tree, and read as text where
/// only the text is needed.
#[tokio::test]
async fn deep_html_kills_the_process_is_refused_or_read_flat() {
    let h = server::start().await;
    let started = std::time::Instant::now();
    let dir = suite_receiving(&[&post("/deep-html")], "max_body = \"2MB\"", "text = { css = \"article\" }");
    let (x, _, _out) = run(&dir, &h.url).await;
    let e = x.error.as_ref().expect("the selector cannot be applied");
    assert_eq!(e.kind, ErrorKind::Malformed);
    assert!(e.message.contains("100003 elements deep"), "{}", e.message);

    let dir = suite_receiving(&[&post("/deep-html")], "max_body = \"2MB\"\nformat = \"html\"", "");
    let (x, run_dir, _out) = run(&dir, &h.url).await;
    assert!(x.error.is_none(), "{:?}", x.error);
    let verdict = std::fs::read_to_string(run_dir.join("verdict.json")).unwrap();
    assert!(verdict.contains("30 days"), "the answer was read from the flat text");
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}

/// Issue 13 item 7, through the binary: SIGTERM during a 60 s drip exits
/// within a second, and the step's record says what the target did (it
/// answered 200; the body was still arriving).
#[test]
fn sigterm_during_a_60s_drip_exits_within_1s() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let h = rt.block_on(server::start());
    let dir = suite(&[&post("/drip")], "timeout = \"90s\"");
    let out = tempfile::tempdir().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_touchpoint"))
        .args(["run", "--quiet", "--target", &h.url, "--out"])
        .arg(out.path())
        .arg(dir.path())
        .env(SECRET_VAR, SECRET)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while h.seen.count("/drip") == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the drip was never requested");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(500));
    let term = std::process::Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(term.success());
    let signalled = std::time::Instant::now();
    let output = child.wait_with_output().unwrap();
    let took = signalled.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(took < Duration::from_secs(1), "exited {took:?} after SIGTERM: {stderr}");
    let run_dir = std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().path()).find(|p| p.is_dir()).unwrap();
    let run = read_run(&run_dir).unwrap();
    assert_eq!(run.end.unwrap().status, touchpoint::record::EndStatus::Interrupted);
    let x = &run.exchanges[0];
    let e = x.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Stopped, "{e:?}");
    assert_eq!(x.http[0].status, Some(200), "the record says the target answered");
    assert!(e.message.contains("HTTP 200"), "{}", e.message);
    for file in ["verdict.json", "junit.xml", "report.html"] {
        assert!(run_dir.join(file).exists(), "{file} missing: {stderr}");
    }
}
