//! The help centre: pages with an answer region, escaping, search, overrides.

use super::*;

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
