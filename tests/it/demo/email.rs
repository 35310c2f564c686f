//! Email: inbound POST, automatic acknowledgement, the reply in the thread, webhooks.

use super::*;

#[tokio::test]
async fn email_is_acknowledged_then_answered_in_the_same_thread() {
    let demo = start_fast().await;
    let base = demo.url();
    let client = Client::new();
    let address = "sam+test@example.com";
    let response = email(
        &client,
        &base,
        json!({"from": format!("Sam Jones <{address}>"), "to": "support@acme-broadband.example",
               "subject": "Refund question", "text": "Hello,\nHow long do I have to send back my router?\nThanks"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let sent: Value = response.json().await.unwrap();
    let message_id = sent["message_id"].as_str().unwrap();
    let thread = sent["thread_id"].as_str().unwrap();
    assert!(message_id.starts_with('<') && message_id.ends_with("@customer.acme>"), "{message_id}");
    assert!(thread.starts_with("t_"), "{thread}");

    let reply = real_reply(&client, &base, address, thread).await;
    let all = mailbox(&client, &base, address, 0).await;
    let ack = &all["messages"][0];
    assert_eq!(ack["seq"], 1);
    assert_eq!(ack["auto_reply"], true);
    assert_eq!(ack["in_reply_to"], message_id);
    let ack_text = ack["text"].as_str().unwrap();
    assert!(ack_text.starts_with("Thanks for your email. This is an automatic acknowledgement; we aim to reply within 4 hours. Your reference is ACK-"), "{ack_text}");

    assert_eq!(reply["seq"], 2);
    assert_eq!(reply["from"], "support@acme-broadband.example");
    assert_eq!(reply["to"], address);
    assert_eq!(reply["subject"], "Re: Refund question");
    assert_eq!(reply["in_reply_to"], message_id);
    assert!(reply["id"].as_str().unwrap().ends_with("@acme-broadband.example>"));
    let text = reply["text"].as_str().unwrap();
    // Planted: email's refund window is wrong.
    assert!(text.starts_with("Hello Sam,\n\nYou can return your equipment within 14 days of delivery for a full refund. Start your return at https://acme-broadband.example/help/returns/ and we'll email you a free label.\n\nKind regards,\nPriya\nAcme Broadband Customer Care\nDirect line: 0333 000 1234\n-- \nAcme Broadband Ltd · Call us on 0800 123 4567 · Registered in England 01234567\nCalls to 0333 numbers cost up to 9p per minute. Manage your account at https://acme-broadband.example/account/\nThis email was sent to sam+test@example.com.\n\nOn "), "{text}");
    assert!(
        text.ends_with(&format!(
            ", Sam Jones <{address}> wrote:\n> Hello,\n> How long do I have to send back my router?\n> Thanks"
        )),
        "{text}"
    );
    assert_eq!(all["next"], 2);
    assert_eq!(mailbox(&client, &base, address, 2).await, json!({"messages": [], "next": 2}));

    // Replying to support's reply stays in the thread; a fresh email does not.
    let follow_up: Value = email(
        &client,
        &base,
        json!({"from": address, "subject": "Re: Refund question", "text": "And what does it cost?\n\n> earlier text about a refund",
               "in_reply_to": reply["id"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(follow_up["thread_id"], thread);
    let later = messages_after(&client, &base, address, 2, 2).await;
    assert_eq!(later[0]["auto_reply"], true);
    assert_eq!(later[1]["in_reply_to"], follow_up["message_id"]);
    let text = later[1]["text"].as_str().unwrap();
    assert!(
        text.contains("29.99 GBP per month"),
        "the subject and quoted history must not outweigh the new question: {text}"
    );

    let fresh: Value =
        email(&client, &base, json!({"from": address, "subject": "Hours", "text": "When are you open?"}))
            .await
            .json()
            .await
            .unwrap();
    assert_ne!(fresh["thread_id"], thread);
    demo.shutdown().await;
}

#[tokio::test]
async fn email_reply_is_slower_than_the_acknowledgement() {
    // Realistic timings: the acknowledgement is there at once, the reply is not.
    let demo = start(42, 1.0).await;
    let client = Client::new();
    let response =
        email(&client, &demo.url(), json!({"from": "pat@example.com", "subject": "Hi", "text": "What is the price?"}))
            .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body = mailbox(&client, &demo.url(), "pat@example.com", 0).await;
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{body}");
    assert_eq!(messages[0]["auto_reply"], true);
    assert_eq!(mailbox(&client, &demo.url(), "nobody@example.com", 5).await, json!({"messages": [], "next": 5}));
    demo.shutdown().await;
}

#[tokio::test]
async fn email_reply_is_delivered_to_a_loopback_webhook() {
    let (received, mut inbox) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let hook = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |axum::Json(body): axum::Json<Value>| {
            let received = received.clone();
            async move {
                let _ = received.send(body);
                "thanks"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hook).await });

    let demo = start_fast().await;
    let client = Client::new();
    let response = email(
        &client,
        &demo.url(),
        json!({"from": "lee@example.com", "subject": "Phone", "text": "What is your phone number?",
               "callback_url": format!("http://{hook_addr}/hook")}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let sent: Value = response.json().await.unwrap();
    let delivered = tokio::time::timeout(PATIENCE, inbox.recv()).await.expect("webhook called").unwrap();
    assert_eq!(delivered["auto_reply"], false, "only the real reply is delivered: {delivered}");
    assert_eq!(delivered["in_reply_to"], sent["message_id"]);
    assert_eq!(delivered["thread_id"], sent["thread_id"]);
    assert!(delivered["text"].as_str().unwrap().contains("+44 (0)800 123 4567"), "{delivered}");
    assert_eq!(delivered["seq"], 2);

    for callback in ["http://example.com/hook", "http://10.1.2.3/hook", "not a url"] {
        let response =
            email(&client, &demo.url(), json!({"from": "lee@example.com", "text": "hi", "callback_url": callback}))
                .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{callback}");
    }
    for body in [json!({"from": "nobody", "text": "hi"}), json!({"from": "a@b.example"}), json!([1])] {
        let response = email(&client, &demo.url(), body.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{body}");
        let error: Value = response.json().await.unwrap();
        assert!(error["error"].is_string());
    }
    demo.shutdown().await;
}
