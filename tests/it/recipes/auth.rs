//! HTTP auth and template helpers from channels.toml; an unset credential
//! variable is the suite's problem (a run problem, exit 3), not a finding.

use crate::common;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use axum::Router;
use std::path::PathBuf;
use touchpoint::analysis::{analyze, AnalyzeOptions};
use touchpoint::record::{read_run, ErrorKind, RecordedRun};

/// A bot API that wants HTTP Basic `bot:s3cret` and a body signature
/// (`X-Signature: hex(HMAC-SHA256(secret, body text))`).
async fn server() -> String {
    let app = Router::new().route(
        "/bot",
        post(|headers: HeaderMap, body: axum::Json<serde_json::Value>| async move {
            let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
            if auth != "Basic Ym90OnMzY3JldA==" {
                return (StatusCode::UNAUTHORIZED, "bad credentials").into_response();
            }
            let text = body["text"].as_str().unwrap_or_default();
            let expected =
                hex::encode(touchpoint::template::filters::hmac_bytes::<sha2::Sha256>(b"s3cret", text.as_bytes()));
            if headers.get("x-signature").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
                return (StatusCode::FORBIDDEN, "bad signature").into_response();
            }
            axum::Json(serde_json::json!({"answer": "Refunds are accepted within 30 days."})).into_response()
        }),
    );
    super::serve(app).await
}

const PERSONAS: &str = r#"
[[personas]]
id = "ann"
name = "Ann Lee"
email = "ann@example.com"
"#;

fn channels(password_var: &str) -> String {
    format!(
        r#"
[bot]
kind = "chat"
auth = {{ basic = {{ user = "bot", password = "{{{{ env.{password_var} }}}}" }} }}
retry = {{ attempts = 1 }}
[bot.send]
method = "POST"
url = "/bot"
headers = {{ X-Signature = "{{{{ message | hmac_sha256(env.{password_var}) }}}}" }}
json = {{ text = "{{{{ message }}}}" }}
[bot.receive]
text = "$.answer"
"#
    )
}

/// Runs the sweep (one persona, one question, the bot) against a fresh bot
/// server whose password comes from `password_var`.
async fn run_bot(password_var: &str) -> Ran {
    let url = server().await;
    let chans = channels(password_var);
    let dir = common::write_suite(&[
        ("map.toml", super::MAP),
        ("channels.toml", &chans),
        ("personas.toml", PERSONAS),
        ("sweeps.toml", super::SWEEPS),
    ]);
    let suite = common::load(dir.path());
    let out = tempfile::tempdir().unwrap();
    let result = common::run(suite.clone(), common::options(out.path(), &url)).await;
    let run = read_run(&result.dir).unwrap();
    Ran { suite, run, run_dir: result.dir, _folders: (dir, out) }
}

struct Ran {
    suite: touchpoint::suite::Suite,
    run: RecordedRun,
    run_dir: PathBuf,
    /// The suite and reports folders, deleted when the test ends.
    _folders: (tempfile::TempDir, tempfile::TempDir),
}

#[tokio::test]
async fn basic_auth_and_an_hmac_signed_body_reach_the_bot() {
    std::env::set_var("TP_RECIPE_AUTH_PW", "s3cret");
    let Ran { suite, run, run_dir: dir, _folders } = run_bot("TP_RECIPE_AUTH_PW").await;
    assert_eq!(run.exchanges.len(), 1);
    let x = &run.exchanges[0];
    assert!(x.error.is_none(), "{:?}", x.error);
    assert_eq!(x.reply.as_ref().unwrap().text, "Refunds are accepted within 30 days.");
    // The secret never reaches the record, not even inside the Basic header.
    let text = std::fs::read_to_string(dir.join("run.jsonl")).unwrap();
    assert!(!text.contains("s3cret") && !text.contains("Ym90OnMzY3JldA"), "{text}");
    let sent = &x.http[0].request_headers;
    assert_eq!(sent.get("Authorization"), Some("Basic ***"));
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert!(verdict.findings.is_empty(), "{:#?}", verdict.findings);
    assert!(verdict.run_problems.is_empty());
}

#[tokio::test]
async fn a_401_with_an_unset_credential_is_a_run_problem_not_a_finding() {
    std::env::remove_var("TP_RECIPE_AUTH_UNSET");
    let Ran { suite, run, _folders, .. } = run_bot("TP_RECIPE_AUTH_UNSET").await;
    let err = run.exchanges[0].error.as_ref().expect("the step failed");
    assert_eq!(err.kind, ErrorKind::Suite, "{}", err.message);
    assert!(err.message.contains("`TP_RECIPE_AUTH_UNSET` is unset"), "{}", err.message);
    let verdict = analyze(&suite, &run, &AnalyzeOptions::default());
    assert!(verdict.findings.is_empty(), "a suite mistake is not a finding: {:#?}", verdict.findings);
    assert_eq!(verdict.run_problems.len(), 1);
    let p = &verdict.run_problems[0];
    assert_eq!((p.channel.as_str(), p.count, p.every_step), ("bot", 1, true));
    assert!(verdict.suite_failed(), "every step of `bot` failed because of the suite: exit 3");
}
