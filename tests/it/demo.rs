//! The embedded demo contact centre, driven over real HTTP the way
//! touchpoint's channels drive a company's chat, email and help centre.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use touchpoint::demo::{self, DemoConfig, DemoHandle};

/// Fast enough for tests: the 300–900 ms chat reply takes 15–45 ms.
const TIME_SCALE: f64 = 0.05;
/// How long a poll loop waits before the test fails.
const PATIENCE: Duration = Duration::from_secs(10);

async fn start(seed: u64, time_scale: f64) -> DemoHandle {
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    demo::start(addr, DemoConfig { seed, time_scale }).await.expect("demo starts")
}

async fn start_fast() -> DemoHandle {
    start(42, TIME_SCALE).await
}

/// A customer's open chat.
struct Chat {
    base: String,
    id: String,
    token: String,
    cursor: u64,
}

impl Chat {
    async fn open(client: &Client, base: &str, email: &str) -> Chat {
        let response = client
            .post(format!("{base}/chat/conversations"))
            .json(&json!({"customer": {"name": "Sam Jones", "email": email}}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        Chat {
            base: base.to_owned(),
            id: body["id"].as_str().unwrap().to_owned(),
            token: body["participant_token"].as_str().unwrap().to_owned(),
            cursor: 0,
        }
    }

    async fn send(&self, client: &Client, text: &str) -> Value {
        let response = client
            .post(format!("{}/chat/conversations/{}/messages", self.base, self.id))
            .bearer_auth(&self.token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::ACCEPTED);
        response.json().await.unwrap()
    }

    /// Polls the event feed until the agent replies; returns every event seen.
    async fn until_agent_replies(&mut self, client: &Client) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut seen = Vec::new();
        loop {
            let url = format!("{}/chat/conversations/{}/events?after={}", self.base, self.id, self.cursor);
            let body: Value = client.get(url).bearer_auth(&self.token).send().await.unwrap().json().await.unwrap();
            let events = body["events"].as_array().unwrap().clone();
            self.cursor = body["next"].as_u64().unwrap();
            let replied = events.iter().any(|event| event["type"] == "message" && event["role"] == "agent");
            seen.extend(events);
            if replied {
                return seen;
            }
            assert!(Instant::now() < deadline, "no agent reply in {PATIENCE:?}: {seen:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Sends `text` and returns the agent's reply, skipping typing events.
    async fn ask(&mut self, client: &Client, text: &str) -> String {
        self.send(client, text).await;
        let events = self.until_agent_replies(client).await;
        agent_text(&events)
    }
}

fn agent_text(events: &[Value]) -> String {
    let reply = events.iter().find(|event| event["type"] == "message" && event["role"] == "agent");
    reply.and_then(|event| event["text"].as_str()).unwrap_or_default().to_owned()
}

fn case_ref_in(text: &str) -> String {
    let start = text.find("CASE-").unwrap_or_else(|| panic!("no case reference in {text:?}"));
    let reference = &text[start..start + 10];
    assert!(reference[5..].chars().all(|c| c.is_ascii_digit()), "{reference}");
    reference.to_owned()
}

async fn email(client: &Client, base: &str, body: Value) -> reqwest::Response {
    client.post(format!("{base}/email/inbound")).json(&body).send().await.unwrap()
}

/// The messages in `address`'s mailbox after `after`.
async fn mailbox(client: &Client, base: &str, address: &str, after: u64) -> Value {
    let address: String = address.replace('@', "%40").replace('+', "%2B");
    let url = format!("{base}/email/mailbox/{address}?after={after}");
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// Polls `address`'s mailbox until a message that is not an auto-reply arrives.
async fn real_reply(client: &Client, base: &str, address: &str, thread_id: &str) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = mailbox(client, base, address, 0).await;
        let found = body["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|message| message["auto_reply"] == false && message["thread_id"] == thread_id)
            .cloned();
        if let Some(message) = found {
            return message;
        }
        assert!(Instant::now() < deadline, "no email reply in {PATIENCE:?}: {body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Polls until `address`'s mailbox holds at least `count` messages after `after`.
async fn messages_after(client: &Client, base: &str, address: &str, after: u64, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let body = mailbox(client, base, address, after).await;
        let messages = body["messages"].as_array().unwrap();
        if messages.len() >= count {
            return messages.clone();
        }
        assert!(Instant::now() < deadline, "fewer than {count} messages in {PATIENCE:?}: {body}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

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
    assert_eq!(agent_text(&events), "You can return it within thirty days of delivery for a full refund.");

    // Nothing new: an empty page and the same cursor.
    let url = format!("{}/chat/conversations/{}/events?after={}", demo.url(), chat.id, chat.cursor);
    let body: Value = client.get(url).bearer_auth(&chat.token).send().await.unwrap().json().await.unwrap();
    assert_eq!(body, json!({"events": [], "next": 4}));

    // A second question: no second "joined" event, seqs continue.
    assert_eq!(
        chat.ask(&client, "How much does it cost per month?").await,
        "Our broadband costs £29.99 a month, and there's no setup fee."
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
        ("What number can I call?", "0800 123 4567"),
        ("What are your opening hours?", "weekdays 8am to 8pm"),
        // Planted: chat disagrees with web and email about installation.
        ("When will the engineer install it?", "within 10 working days, and there's no charge"),
        ("How do I cancel?", "thirty days' notice"),
        ("Is there a discount if I renew?", "eighteen months with a 10% loyalty discount"),
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
    assert!(replies[2].contains("notice"), "{replies:?}");
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
    assert!(text.starts_with("Hello Sam,\n\nYou can return your equipment within 14 days of delivery for a full refund.\n\nKind regards,\nPriya\nAcme Broadband Customer Care\n-- \nAcme Broadband Ltd · Call us on 0800 123 4567 · Registered in England 01234567\n\nOn "), "{text}");
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
    assert!(delivered["text"].as_str().unwrap().contains("+44 800 123 4567"), "{delivered}");
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

#[tokio::test]
async fn help_centre_pages_put_the_answer_apart_from_a_distracting_footer() {
    let demo = start_fast().await;
    let client = Client::new();
    let index = client.get(format!("{}/help", demo.url())).send().await.unwrap().text().await.unwrap();
    for topic in demo::topics().iter().filter(|topic| topic.has_article()) {
        assert!(index.contains(&format!("href=\"/help/articles/{}\"", topic.slug())), "{topic} missing from {index}");
    }

    let response = client.get(format!("{}/help/articles/installation", demo.url())).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    let article = &page[page.find("<article class=\"answer\">").unwrap()..page.find("</article>").unwrap()];
    assert!(article.contains("<h1>Installation</h1>"), "{article}");
    assert!(article
        .contains("<p>Installation takes place within 5 working days of your order, and it is free of charge.</p>"));
    let footer = &page[page.find("<footer>").unwrap()..];
    assert!(footer.contains("Sales: 0800 999 0000 · Mon–Sat 9am–6pm"));
    assert!(!article.contains("0800 999 0000"));
    for landmark in ["<header>", "<nav>", "<main>", "<aside>"] {
        assert!(page.contains(landmark), "{landmark}");
    }

    let missing = client.get(format!("{}/help/articles/unicorns", demo.url())).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(missing.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(missing.text().await.unwrap().contains("Page not found"));
    demo.shutdown().await;
}

#[tokio::test]
async fn hostile_answers_are_escaped_on_the_help_centre() {
    let demo = start_fast().await;
    demo.set_answer("web", "refunds", "<script>alert('pwned')</script>\n\nSecond & last paragraph.");
    let page = reqwest::get(format!("{}/help/articles/refunds", demo.url())).await.unwrap().text().await.unwrap();
    assert!(!page.contains("<script>"), "{page}");
    assert!(page.contains("&lt;script&gt;"), "{page}");
    assert!(page.contains("<p>Second &amp; last paragraph.</p>"), "{page}");
    demo.shutdown().await;
}

#[tokio::test]
async fn help_search_ranks_by_keywords() {
    let demo = start_fast().await;
    let search = |q: &str| {
        let url = reqwest::Url::parse_with_params(&format!("{}/help/search", demo.url()), [("q", q)]).unwrap();
        async move { reqwest::get(url).await.unwrap().json::<Value>().await.unwrap() }
    };
    let body = search("how do I get a refund?").await;
    assert_eq!(body["query"], "how do I get a refund?");
    let first = &body["results"][0];
    assert_eq!(first["url"], "/help/articles/refunds");
    assert_eq!(first["title"], "Returns and refunds");
    assert!(first["snippet"].as_str().unwrap().starts_with("Returns are accepted within 30 days of delivery."));

    assert_eq!(search("broadband down").await["results"][0]["url"], "/help/articles/faults");
    assert_eq!(search("xyzzy plugh").await["results"], json!([]));
    let empty: Value = reqwest::get(format!("{}/help/search", demo.url())).await.unwrap().json().await.unwrap();
    assert_eq!(empty, json!({"query": "", "results": []}));
    demo.shutdown().await;
}

#[tokio::test]
async fn set_answer_changes_one_channel_only() {
    let demo = start_fast().await;
    let client = Client::new();
    demo.set_answer("chat", "pricing", "It's £19.99 a month this week.");
    let mut chat = Chat::open(&client, &demo.url(), "kim@example.com").await;
    assert_eq!(chat.ask(&client, "What's the price?").await, "It's £19.99 a month this week.");
    let page = reqwest::get(format!("{}/help/articles/pricing", demo.url())).await.unwrap().text().await.unwrap();
    assert!(page.contains("£29.99/mo"));

    assert!(demo.try_set_answer("fax", "pricing", "x").is_err());
    let err = demo.try_set_answer("chat", "pricng", "x").unwrap_err().to_string();
    assert!(err.contains("refunds"), "{err}");
    demo.shutdown().await;
}

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
