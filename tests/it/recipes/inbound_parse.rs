//! The `inbound-parse-email` recipe against a SendGrid-like provider: mail
//! sent by JSON API with a Bearer key (the id comes back in `X-Message-Id`),
//! replies posted back as multipart/form-data whose `headers` field is the
//! reply's raw RFC 5322 header block — with an automatic acknowledgement
//! (`Auto-Submitted: auto-replied`, quoting a wrong-looking "2 working
//! days"), a folded `References`, an encoded `Subject`, an attachment, and
//! the reply delivered twice (a retry: same Message-ID).

use super::vendor::{self, Deliveries};
use crate::common;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::record::{read_run, Purpose};
use touchpoint::verdict::CallbackStats;

const KEY: &str = "SG.test-key.5d1e";
const PDF: &[u8] = b"%PDF-1.4 customer's private invoice";

#[derive(Clone, Default)]
struct Provider {
    sent: Arc<AtomicUsize>,
    log: Deliveries,
}

async fn post_parse(p: &Provider, label: &str, url: &str, fields: &[(&str, &str)], with_pdf: bool) {
    let files: &[(&str, &str, &str, &[u8])] =
        if with_pdf { &[("attachment1", "invoice.pdf", "application/pdf", PDF)] } else { &[] };
    let (content_type, body) = vendor::multipart(fields, files);
    let req = reqwest::Client::new().post(url).header("content-type", content_type).body(body);
    vendor::deliver(&p.log, label, req).await;
}

/// `POST /v3/mail/send`. The inbound posts are made before the 202, so
/// the receiver sees them in a known order.
async fn send(State(p): State<Provider>, headers: HeaderMap, Json(mail): Json<serde_json::Value>) -> impl IntoResponse {
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(format!("Bearer {KEY}").as_str()) {
        return (StatusCode::UNAUTHORIZED, Json(serde_json::json!({"errors": [{"message": "bad key"}]})))
            .into_response();
    }
    let (Some(callback), Some(text)) =
        (mail["custom_args"]["touchpoint_callback"].as_str(), mail["content"][0]["value"].as_str())
    else {
        return (StatusCode::BAD_REQUEST, "custom_args.touchpoint_callback and content are required").into_response();
    };
    let n = p.sent.fetch_add(1, Ordering::Relaxed);
    let x_message_id = format!("Hx7Yq{n}.filterdrecv-5c4b.1");
    let sent = format!("<{x_message_id}@ismtpd0001p1.example.net>");
    let from = mail["from"]["email"].as_str().unwrap_or_default();
    let auto = format!(
        "Received: by mx.acme.example\r\nMessage-ID: <auto-{n}@acme.example>\r\nIn-Reply-To: {sent}\r\nAuto-Submitted: auto-replied\r\nSubject: Re: your email\r\n"
    );
    let auto_text = "Thank you for contacting Acme. We aim to reply within 2 working days.";
    post_parse(
        &p,
        "auto-reply",
        callback,
        &[("from", "help@acme.example"), ("to", from), ("headers", &auto), ("text", auto_text)],
        false,
    )
    .await;
    let reply = format!(
        "Message-ID: <reply-{n}@acme.example>\r\nIn-Reply-To: {sent}\r\nReferences: <older-{n}@acme.example>\r\n {sent}\r\nSubject: =?UTF-8?Q?Re:_your_question_=E2=9C=93?=\r\n"
    );
    let reply_text = format!("{}\n\nOn Tuesday, {from} wrote:\n> {text}\n", vendor::answer(text));
    let fields = [
        ("from", "Acme Help <help@acme.example>"),
        ("to", from),
        ("headers", reply.as_str()),
        ("text", reply_text.as_str()),
    ];
    post_parse(&p, "reply", callback, &fields, true).await;
    post_parse(&p, "retry", callback, &fields, true).await;
    let mut response = StatusCode::ACCEPTED.into_response();
    response.headers_mut().insert("x-message-id", x_message_id.parse().unwrap());
    response
}

#[tokio::test]
async fn multipart_replies_read_through_their_header_block() {
    std::env::set_var("MAIL_API_KEY", KEY);
    let provider = Provider::default();
    let url = super::serve(Router::new().route("/v3/mail/send", post(send)).with_state(provider.clone())).await;
    let suite = common::load(&vendor::recipe("inbound-parse-email"));
    let out = tempfile::tempdir().unwrap();
    let result = common::run(suite.clone(), common::options(out.path(), &url)).await;
    let run = read_run(&result.dir).unwrap();

    assert_eq!(run.exchanges.len(), 4, "2 questions × 2 customers");
    for x in &run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        let reply = x.reply.as_ref().unwrap();
        assert!(
            reply.text.starts_with(vendor::answer(&x.message)),
            "the agent's reply, not the auto-reply: {}",
            reply.text
        );
        let item = reply.item.as_ref().unwrap();
        assert_eq!(item["headers"]["subject"], "Re: your question ✓", "encoded words decoded");
        assert!(item["headers"]["references"].as_str().unwrap().starts_with("<older-"), "folded lines joined");
        assert_eq!(item["attachment1"]["size"], PDF.len(), "a file part by name, type and size");
        let hooks: Vec<_> = x.http.iter().filter(|h| h.purpose == Purpose::Webhook).collect();
        assert_eq!(hooks.len(), 2, "the auto-reply (skipped), the reply");
        assert!(hooks.iter().all(|h| h.callback.is_none() && h.status == Some(204)));
    }
    assert_eq!(provider.log.statuses("retry"), [204; 4]);
    let text = std::fs::read_to_string(result.dir.join("run.jsonl")).unwrap();
    assert!(!text.contains("private invoice"), "attachments are never recorded");
    assert!(text.contains("bytes, not recorded"));
    assert!(!text.contains(KEY));
    let late: Vec<&str> = text.lines().filter(|l| l.starts_with(r#"{"type":"late_callback""#)).collect();
    assert_eq!(late.len(), 4, "each retry, after its step had the reply");
    assert!(late.iter().all(|l| l.contains(r#""callback":"duplicate""#)), "{late:?}");

    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert!(verdict.findings.is_empty(), "the auto-reply's \"2 working days\" is never read: {:#?}", verdict.findings);
    assert_eq!((verdict.counts.facts_correct, verdict.counts.facts_wrong, verdict.counts.errors), (4, 0, 0));
    assert!(verdict.run_problems.is_empty());
    assert!(verdict.checks.iter().all(|c| c.passed));
    assert_eq!(
        verdict.callbacks,
        [CallbackStats { channel: "email".into(), received: 12, duplicates: 4, late: 0, invalid_signature: 0 }]
    );
}
