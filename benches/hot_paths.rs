//! Criterion benches for the per-exchange hot paths (see BENCHMARKS.md):
//! template rendering, extraction, record serialisation and reading.
//!
//! ```sh
//! cargo bench --bench hot_paths -- --warm-up-time 1 --measurement-time 3
//! ```
//!
//! Each group has the call the engine makes today and, where it differs, the
//! same work with the parsed artefact (template, JSONPath, regex, selector)
//! prepared once — the difference is what caching would save per call.
//!
//! Records are built from JSON text rather than struct literals so the
//! benches keep compiling when the record gains optional fields.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::hint::black_box;
use touchpoint::extract::{extract_all, Source};
use touchpoint::record::reader::read_from;
use touchpoint::record::Record;
use touchpoint::suite::channel::Extractor;

// ── Template rendering ─────────────────────────────────────────────────────

/// The context a walk renders its channel templates with: base context,
/// persona, captures, the message (as `Conversation::context` builds it).
fn walk_context() -> Value {
    json!({
        "env": {},
        "target": "http://127.0.0.1:8080",
        "run": { "id": "20261125-173005-a1b2", "seed": 42 },
        "persona": {
            "id": "loyal-customer", "name": "Raj Patel", "first_name": "Raj",
            "email": "raj.patel@example.com", "segment": "existing",
            "vars": { "account": "AC-100234" }
        },
        "conversation": "c_7f3a9e", "token": "tok_5d1c0b7e9a", "cursor": "3",
        "message": "Hi, I'm Raj - what is your refund window?",
        "subject": "Refunds",
        "message_id": "<m_81@acme-broadband.example>",
    })
}

/// Templates from `scenarios/acme/channels.toml` and `map.toml`.
const MESSAGE: &str = "Hi, I'm {{ persona.first_name }} - what is your refund window?";
const FROM: &str = "{{ persona.name }} <{{ persona.email }}>";
const MAILBOX: &str = "/email/mailbox/{{ persona.email | urlencode }}";

fn templates(c: &mut Criterion) {
    let env = touchpoint::template::environment();
    let ctx_json = walk_context();
    let ctx = minijinja::Value::from_serialize(&ctx_json);
    let mut g = c.benchmark_group("template");
    g.bench_function("render/message", |b| {
        b.iter(|| touchpoint::template::render(&env, black_box(MESSAGE), black_box(&ctx)).unwrap())
    });
    g.bench_function("render/from_header", |b| {
        b.iter(|| touchpoint::template::render(&env, black_box(FROM), black_box(&ctx)).unwrap())
    });
    g.bench_function("render/urlencode_filter", |b| {
        b.iter(|| touchpoint::template::render(&env, black_box(MAILBOX), black_box(&ctx)).unwrap())
    });
    // Plain text skips minijinja entirely.
    g.bench_function("render/plain_text", |b| {
        b.iter(|| touchpoint::template::render(&env, black_box("/chat/conversations"), black_box(&ctx)).unwrap())
    });
    // What `prepare` pays once per request before rendering anything.
    g.bench_function("context/from_serialize", |b| b.iter(|| minijinja::Value::from_serialize(black_box(&ctx_json))));
    // The same template compiled once (what a per-run template cache would give).
    let mut cached = touchpoint::template::environment();
    cached.add_template("message", MESSAGE).unwrap();
    let tmpl = cached.get_template("message").unwrap();
    g.bench_function("compiled_once/message", |b| b.iter(|| tmpl.render(black_box(&ctx)).unwrap()));
    g.finish();
}

// ── Extraction ─────────────────────────────────────────────────────────────

/// A chat poll response: 20 events, typing indicators and system events
/// among the agent and customer messages.
fn poll_response() -> (String, Value) {
    let events: Vec<Value> = (0..20)
        .map(|i| match i % 4 {
            0 => json!({"id": i, "type": "typing", "role": "agent", "at": "2026-11-25T17:30:05Z"}),
            1 => json!({"id": i, "type": "system", "role": "system", "text": "An agent joined the conversation", "at": "2026-11-25T17:30:06Z"}),
            2 => json!({"id": i, "type": "message", "role": "customer", "text": "Hi, I'm Raj - what is your refund window?", "at": "2026-11-25T17:30:07Z"}),
            _ => json!({"id": i, "type": "message", "role": "agent", "text": format!("You can return your router within 30 days for a full refund (case CASE-{}).", 40000 + i), "at": "2026-11-25T17:30:09Z"}),
        })
        .collect();
    let v = json!({"conversation": "c_7f3a9e", "events": events, "next": 20});
    (v.to_string(), v)
}

/// A help-centre article page of about 30 KB: navigation, the answer region, related links, footer.
fn help_page() -> String {
    let mut html = String::from("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Refunds and returns – Acme Broadband help</title>");
    html.push_str("<link rel=\"stylesheet\" href=\"/static/help.css\"><script src=\"/static/help.js\" defer></script></head><body><header class=\"site\"><nav><ul>");
    for i in 0..120 {
        html.push_str(&format!(
            "<li><a href=\"/help/articles/topic-{i}\" class=\"nav-link\">Help topic number {i}</a></li>"
        ));
    }
    html.push_str(
        "</ul></nav></header><main><ol class=\"breadcrumbs\"><li><a href=\"/help\">Help</a></li><li>Refunds</li></ol>",
    );
    html.push_str("<article class=\"answer\"><h1>Refunds and returns</h1>");
    for p in 0..12 {
        html.push_str(&format!(
            "<p>Paragraph {p}: you can return your router within <strong>30 days</strong> of delivery for a full refund. Call us on 0800 123 4567, Mon–Fri 8am–8pm, or start a chat. Refunds reach your account within 5 working days.</p>"
        ));
    }
    html.push_str("</article><aside class=\"related\"><h2>Related articles</h2><ul>");
    for i in 0..60 {
        html.push_str(&format!("<li><a href=\"/help/articles/related-{i}\">Related article {i} about broadband, billing and moving home</a></li>"));
    }
    html.push_str("</ul></aside></main><footer><p>© Acme Broadband. Registered in England and Wales.</p>");
    while html.len() < 30 * 1024 {
        html.push_str(
            "<p class=\"legal\">Prices include VAT. Terms and conditions apply to every offer on this page.</p>",
        );
    }
    html.push_str("</footer></body></html>");
    html
}

fn extraction(c: &mut Criterion) {
    let headers = touchpoint::extract::Received::default();
    let (poll_body, poll_json) = poll_response();
    let page = help_page();
    let reply = "Thanks Raj. I've opened case CASE-40123 for you; refunds are accepted within 30 days.";
    let filter = Extractor::JsonPath("$.events[?@.type == 'message' && @.role == 'agent']".into());
    let cursor = Extractor::JsonPath("$.next".into());
    let css = Extractor::Css { selector: "article.answer".into(), attr: None };
    let regex = Extractor::Regex(r"CASE-\d+".into());

    let mut g = c.benchmark_group("extract");
    let src = Source { body: &poll_body, json: Some(&poll_json), headers: &headers, hash: None };
    g.bench_function("jsonpath/filter_20_events", |b| {
        b.iter(|| extract_all(black_box(&filter), black_box(&src)).unwrap())
    });
    g.bench_function("jsonpath/cursor", |b| b.iter(|| extract_all(black_box(&cursor), black_box(&src)).unwrap()));
    // The poll loop parses each body once before extracting.
    g.bench_function("jsonpath/parse_body_then_filter", |b| {
        b.iter(|| {
            let json: Value = serde_json::from_str(black_box(&poll_body)).unwrap();
            let src = Source { body: &poll_body, json: Some(&json), headers: &headers, hash: None };
            extract_all(&filter, &src).unwrap()
        })
    });
    // The filter with its path parsed once (what caching the parsed JsonPath would give).
    let parsed = serde_json_path::JsonPath::parse("$.events[?@.type == 'message' && @.role == 'agent']").unwrap();
    g.bench_function("jsonpath/filter_parsed_once", |b| {
        b.iter(|| parsed.query(black_box(&poll_json)).all().into_iter().cloned().collect::<Vec<Value>>())
    });

    g.throughput(Throughput::Bytes(page.len() as u64));
    let src = Source { body: &page, json: None, headers: &headers, hash: None };
    g.bench_function("css/article_30KB_page", |b| b.iter(|| extract_all(black_box(&css), black_box(&src)).unwrap()));
    g.throughput(Throughput::Elements(1));

    let src = Source { body: reply, json: None, headers: &headers, hash: None };
    g.bench_function("regex/case_ref", |b| b.iter(|| extract_all(black_box(&regex), black_box(&src)).unwrap()));
    let compiled = regex::Regex::new(r"CASE-\d+").unwrap();
    g.bench_function("regex/case_ref_compiled_once", |b| {
        b.iter(|| compiled.find(black_box(reply)).map(|m| Value::String(m.as_str().to_string())))
    });
    g.finish();
}

// ── Records ────────────────────────────────────────────────────────────────

/// A chat exchange as the engine records it: open, send, one poll (3 HTTP attempts).
fn exchange_json(seq: u64) -> Value {
    let events = poll_response().0;
    let http = |purpose: &str, method: &str, url: &str, req: Option<&str>, status: u16, body: &str, t: u64| {
        json!({
            "purpose": purpose, "attempt": 1, "method": method, "url": url,
            "request_headers": { "Authorization": "Bearer ***", "content-type": "application/json" },
            "request_body": req,
            "t_start_us": t, "t_first_byte_us": t + 1800, "t_end_us": t + 1900, "status": status,
            "headers": { "content-type": "application/json", "content-length": body.len().to_string(), "date": "Wed, 25 Nov 2026 17:30:05 GMT" },
            "body": body, "body_bytes": body.len(), "truncated": false, "error": null
        })
    };
    let t = 1_000_000 + seq * 1000;
    json!({
        "type": "exchange",
        "seq": seq,
        "task": { "kind": "sweep", "id": "consistency", "persona": "loyal-customer", "repeat": seq / 100, "question": "refund-policy", "channel": "chat" },
        "step": 0,
        "journey": "consistency",
        "stage": "answer",
        "channel": "chat",
        "persona_segment": "existing",
        "question": "refund-policy",
        "expects": ["refund_window"],
        "message": "Hi, I'm Raj - what is your refund window?",
        "t_sent_us": t + 2000,
        "http": [
            http("open", "POST", "http://127.0.0.1:8080/chat/conversations", Some(r#"{"customer":{"email":"raj.patel@example.com","name":"Raj Patel"}}"#), 201, r#"{"id":"c_7f3a9e","participant_token":"***"}"#, t),
            http("send", "POST", "http://127.0.0.1:8080/chat/conversations/c_7f3a9e/messages", Some(r#"{"text":"Hi, I'm Raj - what is your refund window?"}"#), 202, r#"{"accepted":true}"#, t + 2000),
            http("poll", "GET", "http://127.0.0.1:8080/chat/conversations/c_7f3a9e/events?after=0", None, 200, &events, t + 104_000),
        ],
        "reply": {
            "text": "You can return your router within 30 days for a full refund (case CASE-40003).",
            "item": { "id": 3, "type": "message", "role": "agent", "text": "You can return your router within 30 days for a full refund (case CASE-40003).", "at": "2026-11-25T17:30:09Z" },
            "t_earliest_us": t + 2000, "t_latest_us": t + 105_800
        },
        "captures": { "conversation": "c_7f3a9e", "token": "***" },
        "error": null
    })
}

fn header_json() -> Value {
    json!({
        "type": "header", "schema": touchpoint::record::SCHEMA, "run_id": "20261125-173005-a1b2",
        "suite": "scenarios/acme", "company": "Acme Broadband", "suite_digest": "0".repeat(64),
        "tool_version": "0.1.0", "seed": 42, "started_at": "2026-11-25T17:30:05Z",
        "target": "http://127.0.0.1:8080", "concurrency": 16, "repeat": 1, "planned_tasks": 10000
    })
}

/// The fields analysis needs from an exchange line, the HTTP attempts skipped.
#[allow(dead_code)]
#[derive(serde::Deserialize)]
struct AnalysisView {
    seq: u64,
    task: touchpoint::record::Task,
    step: usize,
    journey: Option<String>,
    stage: Option<String>,
    channel: String,
    persona_segment: String,
    question: Option<String>,
    expects: Vec<String>,
    message: String,
    t_sent_us: u64,
    http: serde::de::IgnoredAny,
    reply: Option<touchpoint::record::Reply>,
    captures: BTreeMap<String, String>,
    error: Option<touchpoint::record::StepError>,
}

fn records(c: &mut Criterion) {
    let record: Record =
        serde_json::from_value(exchange_json(7)).expect("the bench exchange matches the record schema");
    let line = serde_json::to_vec(&record).unwrap();
    let mut g = c.benchmark_group("record");
    g.throughput(Throughput::Bytes(line.len() as u64));
    g.bench_function("serialize/exchange_3_http", |b| b.iter(|| serde_json::to_vec(black_box(&record)).unwrap()));
    g.bench_function("deserialize/exchange_3_http", |b| {
        b.iter(|| serde_json::from_slice::<Record>(black_box(&line)).unwrap())
    });
    // The same line read straight into `Exchange`: what skipping the
    // internally tagged `Record` enum (which buffers the whole object) saves.
    g.bench_function("deserialize/exchange_untagged", |b| {
        b.iter(|| serde_json::from_slice::<touchpoint::record::Exchange>(black_box(&line)).unwrap())
    });
    // Only what analysis reads: HTTP attempts skipped without allocating.
    g.bench_function("deserialize/exchange_for_analysis", |b| {
        b.iter(|| serde_json::from_slice::<AnalysisView>(black_box(&line)).unwrap())
    });

    // 10k lines: a header, 9,998 exchanges, an end.
    let mut file = Vec::new();
    serde_json::to_writer(&mut file, &header_json()).unwrap();
    file.push(b'\n');
    for seq in 0..9_998 {
        let r: Record = serde_json::from_value(exchange_json(seq)).unwrap();
        serde_json::to_writer(&mut file, &r).unwrap();
        file.push(b'\n');
    }
    serde_json::to_writer(&mut file, &json!({"type": "end", "finished_at": "2026-11-25T17:31:05Z", "status": "complete", "exchanges": 9998, "errors": 0, "t_end_us": 60_000_000})).unwrap();
    file.push(b'\n');
    g.throughput(Throughput::Bytes(file.len() as u64));
    g.sample_size(10);
    g.bench_function("read_from/10k_lines", |b| {
        b.iter_batched(
            || std::io::Cursor::new(file.as_slice()),
            |cur| {
                let run = read_from(cur, "bench").unwrap();
                assert_eq!(run.exchanges.len(), 9_998);
                run
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(benches, templates, extraction, records);
criterion_main!(benches);
