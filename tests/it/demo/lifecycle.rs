//! Determinism by seed, health and shutdown.

use super::*;

/// Everything a seed fixes, as seen by one customer on each channel.
async fn fingerprint(seed: u64) -> Vec<String> {
    let demo = start(seed, TIME_SCALE).await;
    let client = Client::new();
    let mut chat = Chat::open(&client, &demo.url(), "dana@example.com").await;
    let queued = chat.send(&client, "My internet is down").await;
    let events = chat.until_agent_replies(&client).await;
    let sent: Value =
        email(&client, &demo.url(), json!({"from": "dana@example.com", "subject": "Refund", "text": "refund?"}))
            .await
            .json()
            .await
            .unwrap();
    let thread = sent["thread_id"].as_str().unwrap();
    let reply = real_reply(&client, &demo.url(), "dana@example.com", thread).await;
    let ack = mailbox(&client, &demo.url(), "dana@example.com", 0).await["messages"][0].clone();
    demo.shutdown().await;
    vec![
        chat.id,
        queued["id"].to_string(),
        events[0]["text"].to_string(),
        agent_text(&events),
        sent.to_string(),
        ack["id"].to_string(),
        ack["text"].to_string(),
        reply["id"].to_string(),
    ]
}

#[tokio::test]
async fn same_seed_same_ids_references_and_wording() {
    let (first, second, other) = tokio::join!(fingerprint(7), fingerprint(7), fingerprint(8));
    assert_eq!(first, second);
    assert_ne!(case_ref_in(&first[3]), case_ref_in(&other[3]));
    assert_ne!(first[0], other[0]);
}

#[tokio::test]
async fn health_and_shutdown() {
    let demo = start_fast().await;
    let url = demo.url();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    let response = reqwest::get(format!("{url}/healthz")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
    demo.shutdown().await;
    let after = Client::new().get(format!("{url}/healthz")).timeout(Duration::from_secs(2)).send().await;
    assert!(after.is_err(), "server still answering after shutdown");
}
