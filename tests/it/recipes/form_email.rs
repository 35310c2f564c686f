//! The `form-email` recipe against a Mailgun-like provider: messages sent
//! by form with Basic `api:<key>`, replies forwarded form-encoded and signed
//! over `timestamp` + `token` — with an automatic acknowledgement, a forged
//! delivery (signed with another key, claiming "90 days"), the reply
//! delivered twice, and a survey for the previous customer after their
//! conversation ended.

use super::vendor::{self, Deliveries};
use crate::common;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Form, Router};
use std::sync::{Arc, Mutex};
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::record::{read_run, CallbackNote, Purpose};
use touchpoint::verdict::{CallbackStats, FindingKind};

const DOMAIN_KEY: &str = "key-mg-domain-91c2";
const SIGNING_KEY: &str = "mg-signing-4e7d";

#[derive(Clone, Default)]
struct Provider {
    /// Each message's callback URL, in order of sending.
    callbacks: Arc<Mutex<Vec<String>>>,
    log: Deliveries,
}

/// One forwarded message, signed with `key` over a fresh timestamp and token.
async fn forward(p: &Provider, label: &str, url: &str, fields: &[(&str, &str)], key: &str, n: usize) {
    let (timestamp, token) = (format!("{}", 1_760_000_000 + n), format!("tok{n:04}{label}"));
    let signature = vendor::hmac_sha256_hex(key, format!("{timestamp}{token}").as_bytes());
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.extend([("timestamp", timestamp.as_str()), ("token", token.as_str()), ("signature", signature.as_str())]);
    vendor::deliver(&p.log, label, reqwest::Client::new().post(url).form(&form)).await;
}

/// `POST /v3/<domain>/messages`; the forwards are made before it is answered.
async fn messages(
    State(p): State<Provider>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> impl IntoResponse {
    use base64::Engine as _;
    let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("api:{DOMAIN_KEY}")));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(want.as_str()) {
        return (StatusCode::UNAUTHORIZED, "Forbidden").into_response();
    }
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let (callback, text) = (field("v:callback"), field("text"));
    let (n, previous) = {
        let mut all = p.callbacks.lock().unwrap();
        all.push(callback.clone());
        (all.len(), all.len().checked_sub(2).map(|i| all[i].clone()))
    };
    let id = format!("<20251201.{n}.7a1f@acme.example>");
    if let Some(prev) = previous {
        let survey =
            [("sender", "help@acme.example"), ("stripped-text", "How did we do?"), ("Message-Id", "<survey@acme>")];
        forward(&p, "late", &prev, &survey, SIGNING_KEY, n).await;
    }
    let auto = [
        ("sender", "help@acme.example"),
        ("In-Reply-To", id.as_str()),
        ("Auto-Submitted", "auto-replied"),
        ("Message-Id", "<auto@acme.example>"),
        ("stripped-text", "We have your message and reply within 2 working days."),
    ];
    forward(&p, "auto-reply", &callback, &auto, SIGNING_KEY, n).await;
    let forged = [
        ("sender", "help@acme.example"),
        ("In-Reply-To", id.as_str()),
        ("Message-Id", "<forged@acme.example>"),
        ("stripped-text", "Refunds are accepted within 90 days."),
    ];
    forward(&p, "forged", &callback, &forged, "someone-elses-key", n).await;
    let reply_id = format!("<reply-{n}@acme.example>");
    let reply = [
        ("sender", "help@acme.example"),
        ("In-Reply-To", id.as_str()),
        ("Message-Id", reply_id.as_str()),
        ("Auto-Submitted", "no"),
        ("stripped-text", vendor::answer(&text)),
    ];
    forward(&p, "reply", &callback, &reply, SIGNING_KEY, n).await;
    forward(&p, "duplicate", &callback, &reply, SIGNING_KEY, n).await;
    axum::Json(serde_json::json!({ "id": id, "message": "Queued. Thank you." })).into_response()
}

#[tokio::test]
async fn form_callbacks_signed_over_timestamp_and_token() {
    std::env::set_var("MAIL_DOMAIN_KEY", DOMAIN_KEY);
    std::env::set_var("MAIL_SIGNING_KEY", SIGNING_KEY);
    let provider = Provider::default();
    let app = Router::new().route("/v3/acme.example/messages", post(messages)).with_state(provider.clone());
    let url = super::serve(app).await;
    let suite = common::load(&vendor::recipe("form-email"));
    let out = tempfile::tempdir().unwrap();
    let mut opts = common::options(out.path(), &url);
    // One customer after another: the survey reaches a conversation that is over.
    opts.concurrency = 1;
    let result = common::run(suite.clone(), opts).await;
    let run = read_run(&result.dir).unwrap();

    assert_eq!(run.exchanges.len(), 4);
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        assert_eq!(x.reply.as_ref().unwrap().text, vendor::answer(&x.message));
        let notes: Vec<_> =
            x.http.iter().filter(|h| h.purpose == Purpose::Webhook).map(|h| (h.status, h.callback)).collect();
        assert_eq!(
            notes,
            [(Some(204), None), (Some(403), Some(CallbackNote::BadSignature)), (Some(204), None)],
            "auto-reply (skipped), forged, the reply"
        );
    }
    assert_eq!(provider.log.statuses("forged"), [403; 4]);
    assert_eq!(provider.log.statuses("late"), [200; 3]);

    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert_eq!((verdict.counts.facts_correct, verdict.counts.facts_wrong, verdict.counts.errors), (4, 0, 0));
    assert_eq!(verdict.findings.len(), 1, "{:#?}", verdict.findings);
    let f = &verdict.findings[0];
    assert_eq!((f.kind, f.occurrences), (FindingKind::InvalidSignature, 4));
    assert!(f.summary.starts_with("Email: 4 callbacks with an invalid signature"), "{}", f.summary);
    assert_eq!(
        verdict.callbacks,
        [CallbackStats { channel: "email".into(), received: 12 + 4 + 3, duplicates: 4, late: 3, invalid_signature: 4 }]
    );
    assert!(verdict.run_problems.is_empty());
    let text = std::fs::read_to_string(result.dir.join("run.jsonl")).unwrap();
    assert!(!text.contains(SIGNING_KEY) && !text.contains(DOMAIN_KEY));
}

/// Precision: a suite whose signing key is wrong refuses every callback;
/// that is the suite's mistake (a run problem), not a security finding.
#[tokio::test]
async fn a_wrong_signing_key_is_a_run_problem_not_a_security_finding() {
    std::env::set_var("MAIL_DOMAIN_KEY", DOMAIN_KEY);
    std::env::set_var("TP_FORM_EMAIL_WRONG_KEY", "not-the-signing-key");
    let provider = Provider::default();
    let app = Router::new().route("/v3/acme.example/messages", post(messages)).with_state(provider.clone());
    let url = super::serve(app).await;
    let channels = std::fs::read_to_string(vendor::recipe("form-email").join("channels.toml"))
        .unwrap()
        .replace("env.MAIL_SIGNING_KEY", "env.TP_FORM_EMAIL_WRONG_KEY")
        .replace("max_wait = \"30s\"", "max_wait = \"1s\"");
    let read = |f: &str| std::fs::read_to_string(vendor::recipe("form-email").join(f)).unwrap();
    let (map, personas) = (read("map.toml"), read("personas.toml"));
    let sweeps = "[[sweeps]]\nid = \"one\"\nquestions = [\"refund\"]\nchannels = [\"*\"]\npersonas = [\"ann\"]\n";
    let dir = common::write_suite(&[
        ("map.toml", &map),
        ("channels.toml", &channels),
        ("personas.toml", &personas),
        ("sweeps.toml", sweeps),
    ]);
    let suite = common::load(dir.path());
    let out = tempfile::tempdir().unwrap();
    let result = common::run(suite.clone(), common::options(out.path(), &url)).await;
    let run = read_run(&result.dir).unwrap();
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert!(verdict.findings.is_empty(), "not about the company: {:#?}", verdict.findings);
    let err = run.exchanges[0].error.as_ref().expect("no reply was read");
    assert!(err.message.contains("failed `receive.verify`"), "{}", err.message);
    let problem = verdict.run_problems.iter().find(|p| p.message.contains("failed signature verification"));
    assert!(problem.is_some_and(|p| p.message.contains("receive.verify")), "{:?}", verdict.run_problems);
}
