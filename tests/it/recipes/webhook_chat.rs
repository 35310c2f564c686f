//! The `webhook-chat` recipe against a Twilio-Conversations-like platform:
//! conversations opened and messages sent by form POST with Basic auth,
//! every event of the conversation posted back form-encoded and signed
//! (`X-Twilio-Signature`), with real faults — the customer's own message
//! echoed, a forged and an unsigned callback claiming to be the agent, the
//! agent's reply delivered twice, and a survey for the previous customer
//! after their conversation ended.

use super::vendor::{self, Deliveries};
use crate::common;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Form, Router};
use std::sync::{Arc, Mutex};
use touchpoint::analysis::{analyze, summary_lines, AnalyzeOptions};
use touchpoint::engine::webhook::Listen;
use touchpoint::record::{read_run, CallbackNote, Purpose};
use touchpoint::verdict::{CallbackStats, FindingKind};

const SID: &str = "AC0123456789";
const TOKEN: &str = "tw-auth-token-7f3a";

#[derive(Clone, Default)]
struct Platform {
    /// Each conversation's callback URL, in order of opening.
    hooks: Arc<Mutex<Vec<String>>>,
    log: Deliveries,
    /// Post events as JSON signed over the body (`X-Hub-Signature-256: sha256=<hex>`)
    /// instead of Twilio's signed form.
    json: bool,
}

fn basic_ok(headers: &HeaderMap) -> bool {
    use base64::Engine as _;
    let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{SID}:{TOKEN}")));
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(want.as_str())
}

fn event(conversation: &str, author: &str, body: &str, index: usize) -> Vec<(String, String)> {
    [
        ("EventType", "onMessageAdded"),
        ("ConversationSid", conversation),
        ("Author", author),
        ("Body", body),
        ("Index", &index.to_string()),
        ("Source", "SDK"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Posts one event the way the platform does: form-encoded, signed with `key` (None: unsigned).
async fn post_event(p: &Platform, label: &str, url: &str, form: &[(String, String)], key: Option<&str>, id: &str) {
    let mut req = reqwest::Client::new().post(url).header("I-Twilio-Idempotency-Token", id);
    if p.json {
        let object: serde_json::Map<String, serde_json::Value> =
            form.iter().map(|(k, v)| (k.clone(), v.clone().into())).collect();
        let body = serde_json::Value::Object(object).to_string();
        if let Some(key) = key {
            req =
                req.header("X-Hub-Signature-256", format!("sha256={}", vendor::hmac_sha256_hex(key, body.as_bytes())));
        }
        req = req.header("content-type", "application/json").body(body);
    } else {
        req = req.form(form);
        if let Some(key) = key {
            req = req.header("X-Twilio-Signature", vendor::twilio_signature(key, url, form));
        }
    }
    vendor::deliver(&p.log, label, req).await;
}

async fn open(
    State(p): State<Platform>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> impl IntoResponse {
    if !basic_ok(&headers) {
        return (StatusCode::UNAUTHORIZED, "bad credentials").into_response();
    }
    let Some(url) = form.iter().find(|(k, _)| k == "Webhook.Url").map(|(_, v)| v.clone()) else {
        return (StatusCode::BAD_REQUEST, "Webhook.Url is required").into_response();
    };
    let previous = {
        let mut hooks = p.hooks.lock().unwrap();
        hooks.push(url);
        (hooks.len() >= 2).then(|| (hooks.len() - 1, hooks[hooks.len() - 2].clone()))
    };
    let sid = format!("CH{:032x}", p.hooks.lock().unwrap().len());
    // The previous customer's satisfaction survey, after their conversation ended.
    if let Some((n, prev)) = previous {
        let survey = event(&format!("CH{n:032x}"), "agent", "How did we do? Reply 1-5.", 9);
        post_event(&p, "late", &prev, &survey, Some(TOKEN), &format!("survey-{n}")).await;
    }
    axum::Json(serde_json::json!({ "sid": sid, "account_sid": SID, "state": "active" })).into_response()
}

/// Every event of the message is delivered before the send is answered,
/// so the faults reach the receiver in a known order.
async fn message(
    State(p): State<Platform>,
    Path(conversation): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> impl IntoResponse {
    if !basic_ok(&headers) {
        return (StatusCode::UNAUTHORIZED, "bad credentials").into_response();
    }
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let n: usize = conversation.trim_start_matches("CH").parse::<u128>().map_or(0, |n| n as usize);
    let Some(url) = p.hooks.lock().unwrap().get(n.wrapping_sub(1)).cloned() else {
        return (StatusCode::NOT_FOUND, "no such conversation").into_response();
    };
    let (author, body) = (field("Author"), field("Body"));
    post_event(&p, "echo", &url, &event(&conversation, &author, &body, 0), Some(TOKEN), &format!("{n}-echo")).await;
    let forged = event(&conversation, "agent", "Refunds are accepted within 90 days.", 1);
    post_event(&p, "forged", &url, &forged, Some("not-the-token"), &format!("{n}-forged")).await;
    let unsigned = event(&conversation, "agent", "Broadband costs £99 per month.", 1);
    post_event(&p, "unsigned", &url, &unsigned, None, &format!("{n}-unsigned")).await;
    let reply = event(&conversation, "agent", vendor::answer(&body), 1);
    post_event(&p, "reply", &url, &reply, Some(TOKEN), &format!("{n}-reply")).await;
    post_event(&p, "duplicate", &url, &reply, Some(TOKEN), &format!("{n}-reply")).await;
    axum::Json(serde_json::json!({ "sid": format!("IM{n:032x}"), "index": 0 })).into_response()
}

/// Runs `suite` against a fresh platform, one customer after another (the
/// survey then reaches a conversation that is over), the receiver where `listen` says.
async fn run_chat(
    platform: Platform,
    suite: &touchpoint::suite::Suite,
    listen: Listen,
    out: &std::path::Path,
) -> touchpoint::engine::RunResult {
    std::env::set_var("CHAT_ACCOUNT_SID", SID);
    std::env::set_var("CHAT_AUTH_TOKEN", TOKEN);
    let app = Router::new()
        .route("/v1/Conversations", post(open))
        .route("/v1/Conversations/:sid/Messages", post(message))
        .with_state(platform);
    let url = super::serve(app).await;
    let mut opts = common::options(out, &url);
    opts.concurrency = 1;
    opts.webhook_listen = listen;
    common::run(suite.clone(), opts).await
}

/// Every reply read, every forged or unsigned callback refused and reported once.
fn assert_replies_read_and_forgeries_refused(run: &touchpoint::record::RecordedRun, suite: &touchpoint::suite::Suite) {
    assert_eq!(run.exchanges.len(), 4);
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        assert_eq!(x.reply.as_ref().unwrap().text, vendor::answer(&x.message));
    }
    let verdict = analyze(suite, run, &AnalyzeOptions::default());
    assert_eq!((verdict.counts.facts_correct, verdict.counts.facts_wrong), (4, 0));
    let kinds: Vec<_> = verdict.findings.iter().map(|f| (f.kind, f.occurrences)).collect();
    assert_eq!(kinds, [(FindingKind::InvalidSignature, 8)]);
    // Known only at the record's end, it still heads the fix-first list.
    let first = verdict.fix_first.first().expect("the refused callbacks are something to fix");
    assert_eq!(first.findings, [verdict.findings[0].id.clone()]);
    assert_eq!((first.rank, first.channels.as_slice()), (1, ["chat".to_string()].as_slice()));
}

#[tokio::test]
async fn signed_form_callbacks_with_forged_duplicate_and_late_deliveries() {
    let platform = Platform::default();
    let suite = common::load(&vendor::recipe("webhook-chat"));
    let out = tempfile::tempdir().unwrap();
    let result = run_chat(platform.clone(), &suite, Listen::default(), out.path()).await;
    let run = read_run(&result.dir).unwrap();

    assert_eq!(run.exchanges.len(), 4, "2 questions × 2 customers");
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        assert_eq!(x.reply.as_ref().unwrap().text, vendor::answer(&x.message), "the agent's reply, read once");
        let hooks: Vec<_> = x.http.iter().filter(|h| h.purpose == Purpose::Webhook).collect();
        let seen: Vec<_> = hooks.iter().map(|h| (h.status, h.callback)).collect();
        assert_eq!(
            seen,
            [
                (Some(204), None),
                (Some(403), Some(CallbackNote::BadSignature)),
                (Some(401), Some(CallbackNote::Unsigned)),
                (Some(204), None)
            ],
            "echo (not the agent), forged, unsigned, the reply"
        );
    }
    assert_eq!(platform.log.statuses("forged"), [403; 4]);
    assert_eq!(platform.log.statuses("unsigned"), [401; 4]);
    assert_eq!(platform.log.statuses("duplicate"), [204; 4], "a duplicate is accepted, so it is not retried");
    assert_eq!(platform.log.statuses("late"), [200; 3], "late: 2xx, so the platform stops retrying");

    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert_eq!(verdict.counts.facts_correct, 4);
    assert_eq!((verdict.counts.facts_wrong, verdict.counts.errors), (0, 0), "the forged 90 days were never read");
    assert!(verdict.run_problems.is_empty(), "{:?}", verdict.run_problems);
    assert_eq!(verdict.findings.len(), 1, "{:#?}", verdict.findings);
    let f = &verdict.findings[0];
    assert_eq!((f.kind, f.channel.as_deref(), f.occurrences), (FindingKind::InvalidSignature, Some("chat"), 8));
    assert!(f.summary.starts_with("Live chat: 8 callbacks with an invalid signature"), "{}", f.summary);
    assert!(!f.evidence.is_empty() && f.evidence.len() <= 5);
    assert_eq!(
        verdict.callbacks,
        [CallbackStats { channel: "chat".into(), received: 16 + 4 + 3, duplicates: 4, late: 3, invalid_signature: 8 }]
    );
    let failed: Vec<_> = verdict.checks.iter().filter(|c| !c.passed).map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["chat: every callback correctly signed"], "no answer failed");
    let lines = summary_lines(&verdict).join("\n");
    assert!(lines.contains("Live chat: delivered 4 callbacks twice; 3 callbacks after"), "{lines}");

    let text = std::fs::read_to_string(result.dir.join("run.jsonl")).unwrap();
    assert_eq!(text.lines().filter(|l| l.starts_with(r#"{"type":"late_callback""#)).count(), 7);
    assert!(!text.contains(TOKEN), "the auth token is redacted everywhere");

    // The same verdict streamed from the record, and in every output.
    let written = touchpoint::artifacts::write_all(&result.dir, &suite, &AnalyzeOptions::default()).unwrap();
    assert_eq!(written.verdict.callbacks, verdict.callbacks);
    assert_eq!(written.verdict.findings, verdict.findings);
    let junit = std::fs::read_to_string(result.dir.join("junit.xml")).unwrap();
    assert!(
        junit.contains("chat: every callback correctly signed")
            && junit.contains("8 callbacks with an invalid signature")
    );
    let html = std::fs::read_to_string(result.dir.join("report.html")).unwrap();
    assert!(html.contains("Callbacks — Live chat: delivered 4 callbacks twice"), "the report says it");
    assert!(html.contains("8 callbacks with an invalid signature"));
}

/// The receiver behind a path prefix on another loopback address
/// (`--webhook-listen` + `--webhook-url`): a `url+params` signature covers
/// the public URL the platform was given, so every genuine callback still verifies.
#[tokio::test]
async fn url_signatures_cover_the_public_webhook_url() {
    let port = std::net::TcpListener::bind("127.0.0.2:0").unwrap().local_addr().unwrap().port();
    let listen = Listen {
        addr: format!("127.0.0.2:{port}").parse().unwrap(),
        public_url: Some(format!("http://127.0.0.2:{port}/tp/")),
    };
    let platform = Platform::default();
    let suite = common::load(&vendor::recipe("webhook-chat"));
    let out = tempfile::tempdir().unwrap();
    let result = run_chat(platform.clone(), &suite, listen, out.path()).await;
    let run = read_run(&result.dir).unwrap();
    assert_replies_read_and_forgeries_refused(&run, &suite);
    let hooks = platform.hooks.lock().unwrap();
    assert!(hooks.iter().all(|h| h.starts_with(&format!("http://127.0.0.2:{port}/tp/hook/"))), "{hooks:?}");
}

/// The same platform posting JSON signed over the raw body
/// (`X-Hub-Signature-256: sha256=<hex>`), declared with `over = "body"`.
#[tokio::test]
async fn json_callbacks_signed_over_the_body() {
    let channels = std::fs::read_to_string(vendor::recipe("webhook-chat").join("channels.toml")).unwrap();
    let verify = &channels[channels.find("[chat.receive.verify]").unwrap()..];
    let body_signed = channels.replace(
        verify,
        "[chat.receive.verify]\nover = \"body\"\nsecret = \"{{ env.CHAT_AUTH_TOKEN }}\"\nheader = \"X-Hub-Signature-256\"\nprefix = \"sha256=\"\n",
    );
    let read = |f: &str| std::fs::read_to_string(vendor::recipe("webhook-chat").join(f)).unwrap();
    let (map, personas, sweeps) = (read("map.toml"), read("personas.toml"), read("sweeps.toml"));
    let dir = common::write_suite(&[
        ("map.toml", &map),
        ("channels.toml", &body_signed),
        ("personas.toml", &personas),
        ("sweeps.toml", &sweeps),
    ]);
    let suite = common::load(dir.path());
    let out = tempfile::tempdir().unwrap();
    let platform = Platform { json: true, ..Platform::default() };
    let result = run_chat(platform.clone(), &suite, Listen::default(), out.path()).await;
    let run = read_run(&result.dir).unwrap();
    assert_replies_read_and_forgeries_refused(&run, &suite);
    assert_eq!(platform.log.statuses("forged"), [403; 4]);
    assert_eq!(platform.log.statuses("unsigned"), [401; 4]);
}

/// A sharded run keeps its late callbacks: `merge` carries each shard's
/// `late_callback` lines, so the merged verdict counts what the shards saw.
#[tokio::test]
async fn merged_shards_keep_their_late_callbacks() {
    let suite = common::load(&vendor::recipe("webhook-chat"));
    let out = tempfile::tempdir().unwrap();
    let mut shard_callbacks = Vec::new();
    std::env::set_var("CHAT_ACCOUNT_SID", SID);
    std::env::set_var("CHAT_AUTH_TOKEN", TOKEN);
    let app = Router::new()
        .route("/v1/Conversations", post(open))
        .route("/v1/Conversations/:sid/Messages", post(message))
        .with_state(Platform::default());
    // One platform for both shards (a merge refuses shards of different targets).
    let url = super::serve(app).await;
    for index in 0..2 {
        let mut opts = common::options(out.path(), &url);
        opts.concurrency = 1;
        opts.shard = Some(touchpoint::shard::Shard { index, count: 2 });
        opts.group = Some("chat-shards".into());
        let result = common::run(suite.clone(), opts).await;
        let run = read_run(&result.dir).unwrap();
        shard_callbacks.push(analyze(&suite, &run, &AnalyzeOptions::default()).callbacks);
    }
    let shards = touchpoint::merge::find_shards(&[out.path().to_path_buf()], Some("chat-shards")).unwrap();
    let merged = touchpoint::merge::merge(&shards, &suite, out.path()).unwrap();
    let run = read_run(&merged.dir).unwrap();
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    let sum = |f: fn(&CallbackStats) -> u64| shard_callbacks.iter().flatten().map(f).sum::<u64>();
    let c = &verdict.callbacks[0];
    assert_eq!((c.duplicates, c.late), (sum(|c| c.duplicates), sum(|c| c.late)));
    assert!(c.late > 0 && c.duplicates == 4, "{c:?}");
}
