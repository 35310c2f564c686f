//! A help centre's search API, Zendesk-shaped: the answer is the top
//! article, its body HTML inside JSON (an entity for "£", the key figure in
//! `<strong>`), with navigation and a footer holding another price around
//! the article. One search answers 503 once and is retried.

use super::{run_recipe, serve, vendor};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use touchpoint::record::Purpose;

/// The article for a question, as the help centre stores it.
fn article(question: &str) -> String {
    let answer = vendor::answer(question).replace('£', "&pound;").replace("30 days", "<strong>30 days</strong>");
    format!(
        "<nav class=\"breadcrumbs\"><a href=\"/hc/en-gb\">Help</a> › Billing</nav>\
         <article><h1>Your questions answered</h1><p>{answer}</p></article>\
         <footer>Was this article helpful? New customers: from &pound;19.99 per month for 6 months.</footer>"
    )
}

async fn help_centre() -> (String, Arc<Mutex<u32>>) {
    let searches = Arc::new(Mutex::new(0u32));
    let app = Router::new()
        .route(
            "/api/v2/help_center/articles/search.json",
            get(|State(n): State<Arc<Mutex<u32>>>, h: HeaderMap, Query(q): Query<HashMap<String, String>>| async move {
                // Basic `agent@acme.example/token:tok-5`.
                if h.get("authorization").and_then(|v| v.to_str().ok())
                    != Some("Basic YWdlbnRAYWNtZS5leGFtcGxlL3Rva2VuOnRvay01")
                {
                    return StatusCode::UNAUTHORIZED.into_response();
                }
                let first = {
                    let mut n = n.lock().unwrap();
                    *n += 1;
                    *n == 1
                };
                if first {
                    return (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "0")], "busy").into_response();
                }
                let query = q.get("query").cloned().unwrap_or_default();
                Json(json!({
                    "results": [
                        {"id": 1, "title": "Your questions answered", "body": article(&query), "html_url": "https://acme.example/hc/1"},
                        {"id": 2, "title": "Everything else", "body": "<p>Prices from &pound;9.99 per month.</p>"},
                    ],
                    "count": 2, "page": 1
                }))
                .into_response()
            }),
        )
        .with_state(searches.clone());
    (serve(app).await, searches)
}

#[tokio::test]
async fn help_api_recipe_reads_the_answer_region_of_html_inside_json() {
    std::env::set_var("HELP_API_USER", "agent@acme.example");
    std::env::set_var("HELP_API_TOKEN", "tok-5");
    let (url, searches) = help_centre().await;
    let ran = run_recipe("help-api", &url).await;
    assert_eq!(ran.run.exchanges.len(), 4);
    let mut retried = 0;
    for x in &ran.run.exchanges {
        assert!(x.error.is_none(), "{:?}", x.error);
        assert_eq!(x.reply.as_ref().unwrap().text, article(&x.message), "the raw HTML is the reply");
        let sends: Vec<_> = x.http.iter().filter(|h| h.purpose == Purpose::Send).collect();
        if sends.len() == 2 {
            assert_eq!((sends[0].status, sends[1].status), (Some(503), Some(200)));
            retried += 1;
        }
    }
    assert_eq!((retried, *searches.lock().unwrap()), (1, 5), "one search retried once");
    // The whole verdict: the footer's and the second result's prices are not the answer.
    let v = &ran.verdict;
    assert!(v.findings.is_empty(), "{:#?}", v.findings);
    assert!(v.run_problems.is_empty(), "{:#?}", v.run_problems);
    let c = &v.counts;
    assert_eq!((c.exchanges, c.replies, c.errors), (4, 4, 0));
    assert_eq!((c.facts_checked, c.facts_correct, c.facts_wrong, c.facts_not_stated), (4, 4, 0, 0));
}
