//! Chat: start, send (202), poll the transcript; errors as JSON.

use super::*;

#[tokio::test]
async fn chat_conversation_is_answered_asynchronously() {
    let demo = start_fast().await;
    let client = Client::new();
    let mut chat = Chat::open(&client, &demo.url(), "sam@example.com").await;
    assert!(chat.id.starts_with("c_"), "{}", chat.id);

    let queued = chat.send(&client, "How long do I have to return my router?").await;
    assert!(queued["id"].as_str().unwrap().starts_with("m_"), "{queued}");
    assert_eq!(queued["status"], "queued");
    assert!(queued.get("text").is_none(), "the reply must not be in the 202: {queued}");

    let events = chat.until_agent_replies(&client).await;
    let kinds: Vec<(&str, &str)> =
        events.iter().map(|e| (e["type"].as_str().unwrap(), e["role"].as_str().unwrap())).collect();
    assert_eq!(
        kinds,
        [("system", "system"), ("message", "customer"), ("typing", "agent"), ("message", "agent")],
        "{events:?}"
    );
    assert!(events[0]["text"].as_str().unwrap().ends_with(" joined the chat"));
    assert_eq!(events[1]["text"], "How long do I have to return my router?");
    assert!(events[2].get("text").is_none(), "typing has no text");
    let seqs: Vec<u64> = events.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert!(chrono::DateTime::parse_from_rfc3339(events[3]["at"].as_str().unwrap()).is_ok());
    assert_eq!(
        agent_text(&events),
        "You can return it within thirty days of delivery for a full refund. Start your return at https://acme-broadband.example/help/returns/?utm_source=chat&utm_medium=assistant"
    );

    // Nothing new: an empty page and the same cursor.
    let url = format!("{}/chat/conversations/{}/events?after={}", demo.url(), chat.id, chat.cursor);
    let body: Value = client.get(url).bearer_auth(&chat.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"events": [], "next": 4}));

    // A second question: no second "joined" event, seqs continue.
    assert_eq!(
        chat.ask(&client, "How much does it cost per month?").await,
        "Our broadband costs £29.99 a month, and there's no setup fee. Acme Talk (unlimited UK calls) is an extra 53.35p per day. Our prices next change on 01/04/2027."
    );
    assert_eq!(chat.cursor, 7);
    demo.shutdown().await;
}

#[tokio::test]
async fn chat_answers_every_topic_with_its_own_wording() {
    let demo = start_fast().await;
    let client = Client::new();
    let mut chat = Chat::open(&client, &demo.url(), "alex@example.com").await;
    let cases = [
        ("What number can I call?", "<b>0800 123 4567</b>"),
        ("What are your opening hours?", "weekdays 8am to 8pm and Saturdays 9am till noon"),
        // Planted: chat disagrees with web and email about installation.
        ("When will the engineer install it?", "within 10 working days, and there's no charge"),
        // Planted (hygiene): chat's cancellation intent is off, so it falls back.
        ("How do I cancel?", "Sorry, I'm not sure I understood"),
        ("Is there a discount if I renew?", "twelve months with a 10% loyalty discount"),
        ("Tell me a joke", "I can help with returns and refunds"),
    ];
    for (question, expected) in cases {
        let reply = chat.ask(&client, question).await;
        assert!(reply.contains(expected), "{question:?} → {reply:?}");
    }
    demo.shutdown().await;
}

#[tokio::test]
async fn chat_replies_in_the_order_asked() {
    let demo = start_fast().await;
    let client = Client::new();
    let mut chat = Chat::open(&client, &demo.url(), "quick@example.com").await;
    let questions = ["What are your opening hours?", "What does it cost?", "How do I cancel?"];
    for question in questions {
        chat.send(&client, question).await;
    }
    let mut replies = Vec::new();
    while replies.len() < questions.len() {
        let events = chat.until_agent_replies(&client).await;
        let agent = events.iter().filter(|e| e["type"] == "message" && e["role"] == "agent");
        replies.extend(agent.map(|e| e["text"].as_str().unwrap().to_owned()));
    }
    assert!(replies[0].contains("8am to 8pm"), "{replies:?}");
    assert!(replies[1].contains("£29.99"), "{replies:?}");
    assert!(replies[2].contains("not sure I understood"), "{replies:?}");
    demo.shutdown().await;
}

#[tokio::test]
async fn chat_remembers_its_case_reference_but_email_does_not() {
    let demo = start_fast().await;
    let client = Client::new();
    let mut chat = Chat::open(&client, &demo.url(), "maya@example.com").await;
    let reply = chat.ask(&client, "My broadband is not working").await;
    let case = case_ref_in(&reply);
    assert!(reply.contains("our technical team will email you within 24 hours"), "{reply}");

    let follow_up = chat.ask(&client, &format!("Any news on {case}?")).await;
    assert!(follow_up.starts_with(&format!("I can see case {case}")), "{follow_up}");
    let unknown = chat.ask(&client, "What about CASE-00001?").await;
    assert!(unknown.contains("couldn't find case CASE-00001"), "{unknown}");

    // Planted: email has lost the context.
    let sent: Value = email(
        &client,
        &demo.url(),
        json!({"from": "maya@example.com", "to": "support@acme-broadband.example",
               "subject": "My fault", "text": format!("Hi, following up on {case}.")}),
    )
    .await
    .json()
    .await
    .unwrap();
    let thread = sent["thread_id"].as_str().unwrap();
    let reply = real_reply(&client, &demo.url(), "maya@example.com", thread).await;
    let expected =
        format!("I'm sorry, I couldn't find a case with the reference {case}. Could you send me your account number?");
    assert!(reply["text"].as_str().unwrap().contains(&expected), "{reply}");
    demo.shutdown().await;
}

#[tokio::test]
async fn chat_rejects_bad_requests_with_json_errors() {
    let demo = start_fast().await;
    let base = demo.url();
    let client = Client::new();
    let chat = Chat::open(&client, &base, "sam@example.com").await;
    let messages = format!("{base}/chat/conversations/{}/messages", chat.id);
    let events = format!("{base}/chat/conversations/{}/events", chat.id);

    let cases = [
        (client.post(&messages).json(&json!({"text": "hi"})), StatusCode::UNAUTHORIZED),
        (client.post(&messages).bearer_auth("wrong").json(&json!({"text": "hi"})), StatusCode::UNAUTHORIZED),
        (client.get(&events), StatusCode::UNAUTHORIZED),
        (client.get(&events).bearer_auth("wrong"), StatusCode::UNAUTHORIZED),
        (
            client
                .post(format!("{base}/chat/conversations/c_nope/messages"))
                .bearer_auth(&chat.token)
                .json(&json!({"text": "hi"})),
            StatusCode::NOT_FOUND,
        ),
        (
            client.get(format!("{base}/chat/conversations/c_nope/events")).bearer_auth(&chat.token),
            StatusCode::NOT_FOUND,
        ),
        (client.post(&messages).bearer_auth(&chat.token).body("{not json"), StatusCode::BAD_REQUEST),
        (client.post(&messages).bearer_auth(&chat.token).json(&json!({"txt": "hi"})), StatusCode::BAD_REQUEST),
        (client.post(&messages).bearer_auth(&chat.token).json(&json!({"text": "   "})), StatusCode::BAD_REQUEST),
        (client.get(format!("{events}?after=soon")).bearer_auth(&chat.token), StatusCode::BAD_REQUEST),
        (client.post(format!("{base}/chat/conversations")).body("[1, 2"), StatusCode::BAD_REQUEST),
        (client.get(format!("{base}/no/such/route")), StatusCode::NOT_FOUND),
    ];
    for (request, status) in cases {
        let response = request.send().await.unwrap();
        let url = response.url().clone();
        assert_eq!(response.status(), status, "{url}");
        let body: Value = response.json().await.unwrap_or_else(|err| panic!("{url}: not JSON: {err}"));
        assert!(body["error"].as_str().is_some_and(|e| !e.is_empty()), "{url}: {body}");
    }
    demo.shutdown().await;
}
