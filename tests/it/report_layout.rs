//! The report on a larger contact centre than the demo's three channels:
//! eight channels (one of them unreachable) × four customer segments,
//! audited three times into one reports folder. Opened in headless
//! Chromium at 1280 px, as a manager's laptop would: the matrix must not
//! clip a column, "what to fix first" must be there and in rank order, and
//! the trend charts must appear now that the folder has history.

use crate::browser;
use crate::common;

use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use touchpoint::analysis::AnalyzeOptions;
use touchpoint::demo::{self, DemoConfig};

/// Channels added to the example suite's chat, email and web: copies of
/// chat and web under other names and labels, as a vendor with several
/// entry points would describe them.
const CHAT_COPIES: [(&str, &str); 2] = [("whatsapp", "WhatsApp"), ("app", "In-app chat")];
const WEB_COPIES: [(&str, &str); 2] = [("partner", "Partner help centre"), ("kiosk", "In-store kiosk")];

/// The example suite's block for `key` in channels.toml, renamed to `to`.
fn copy_block(channels: &str, key: &str, to: &str, label: &str) -> String {
    let start = channels.find(&format!("[{key}]\n")).expect("the channel's table");
    let end = channels[start..].find("\n# ──").map_or(channels.len(), |i| start + i);
    let block = &channels[start..end];
    let renamed =
        block.replace(&format!("[[{key}."), &format!("[[{to}.")).replace(&format!("[{key}"), &format!("[{to}"));
    // Its own label, whatever the original's.
    let mut lines: Vec<String> = renamed.lines().filter(|l| !l.starts_with("label =")).map(String::from).collect();
    lines.insert(1, format!("label = \"{label}\""));
    lines.join("\n") + "\n"
}

/// The eight-channel, four-segment suite, written into `dir`.
fn write_suite(dir: &Path) {
    let acme = common::example_suite();
    let read = |name: &str| std::fs::read_to_string(acme.join(name)).expect("the example suite reads");
    let channels = read("channels.toml");
    let mut out = channels.clone();
    for (to, label) in CHAT_COPIES {
        out.push_str(&copy_block(&channels, "chat", to, label));
    }
    for (to, label) in WEB_COPIES {
        out.push_str(&copy_block(&channels, "web", to, label));
    }
    // An SMS gateway nobody is listening on: every message gets no usable reply.
    let sms = copy_block(&channels, "chat", "sms", "SMS")
        .replacen("[sms]\n", "[sms]\nbase_url = \"http://127.0.0.1:9\"\n", 1)
        .replace(
            "retry = { attempts = 3, on = [429, 502, 503, 504], backoff = \"200ms\" }",
            "retry = { attempts = 1 }",
        );
    out.push_str(&sms);
    std::fs::write(dir.join("channels.toml"), out).expect("channels.toml is written");

    let slas: String = ["whatsapp", "app", "sms"]
        .iter()
        .map(|c| format!("{c} = \"2s\"\n"))
        .chain(["partner", "kiosk"].iter().map(|c| format!("{c} = \"1s\"\n")))
        .collect();
    let map = read("map.toml").replacen("[sla]\n", &format!("[sla]\n{slas}"), 1);
    std::fs::write(dir.join("map.toml"), map).expect("map.toml is written");

    let personas: String = [
        ("new-customer", "Jane Doe", "prospect"),
        ("loyal-customer", "Raj Patel", "existing"),
        ("business-customer", "Amara Okafor", "business"),
        ("student-customer", "Lee Chen", "student"),
    ]
    .iter()
    .map(|(id, name, segment)| {
        let email = format!("{}@example.com", name.to_lowercase().replace(' ', "."));
        format!("[[personas]]\nid = \"{id}\"\nname = \"{name}\"\nemail = \"{email}\"\nsegment = \"{segment}\"\n\n")
    })
    .collect();
    std::fs::write(dir.join("personas.toml"), personas).expect("personas.toml is written");
    std::fs::write(
        dir.join("sweeps.toml"),
        "[[sweeps]]\nid = \"consistency\"\nquestions = [\"refund-policy\", \"monthly-price\"]\nchannels = [\"*\"]\n\
         personas = [\"*\"]\njourney = \"consistency\"\nstage = \"answer\"\n",
    )
    .expect("sweeps.toml is written");
}

#[test]
fn eight_channels_by_four_segments_fit_at_1280px_with_fix_first_and_trends() {
    let suite_dir = tempfile::tempdir().expect("a temp dir");
    write_suite(suite_dir.path());
    let suite = common::load(suite_dir.path());
    assert_eq!(suite.channels.len(), 8);
    let reports = tempfile::tempdir().expect("a temp dir");
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a tokio runtime");
    let last = rt.block_on(async {
        let addr = "127.0.0.1:0".parse().expect("a socket address");
        let demo = demo::start(addr, DemoConfig { seed: 7, time_scale: 1.0 }).await.expect("the demo starts");
        let mut last = None;
        // Three audits of the same suite and target: the history has a trend.
        for _ in 0..3 {
            let result = common::run(suite.clone(), common::options(reports.path(), &demo.url())).await;
            let written = touchpoint::artifacts::write_all(&result.dir, &suite, &AnalyzeOptions::default())
                .expect("the run's files are written");
            assert!(written.warnings.is_empty(), "{:?}", written.warnings);
            last = Some((result.dir, written.verdict));
        }
        demo.shutdown().await;
        last.expect("three runs")
    });
    let (dir, verdict) = last;
    let trend = verdict.trend.as_ref().expect("the third run has a trend");
    assert_eq!(trend.points.len(), 3);
    assert!(trend.points.iter().all(|p| p.channels.len() == 8), "every run kept its eight channels' reply times");
    assert!(!verdict.fix_first.is_empty(), "an unreachable channel is something to fix");
    assert_eq!(verdict.names.channels.get("whatsapp").map(String::as_str), Some("WhatsApp"));

    // `touchpoint history --html`: the same trend, standalone, from the history database.
    let page = touchpoint::report::history_page::write(reports.path(), None, 12).expect("the trend page is written");
    let page = std::fs::read_to_string(page).expect("the trend page reads");
    assert!(page.matches("class=\"chart trend-chart\"").count() >= 2 + 8, "score, findings and eight channels");
    assert!(!page.contains("<script"), "the trend page runs nothing");
    assert!(page.contains("WhatsApp"), "channels by their labels");

    let html_path = dir.join("report.html");
    let html = std::fs::read_to_string(&html_path).expect("the report reads");
    assert!(html.contains("no usable reply"), "the SMS cells say why they are empty");
    let (seen, png) = rt.block_on(open(&html_path)).expect("chromium opens the report");

    // The page itself never scrolls sideways; the matrix scrolls inside its box.
    assert_eq!(seen["page_overflow"], Value::Bool(false), "{seen:#}");
    assert_eq!(seen["columns"], 8 * 4, "one column per channel and segment: {seen:#}");
    let hidden = seen["unreachable"].as_array().expect("a list");
    assert!(hidden.is_empty(), "matrix headers not reachable by scrolling: {hidden:?}");
    let clipped = seen["clipped"].as_array().expect("a list");
    assert!(clipped.is_empty(), "matrix cells with clipped content: {clipped:?}");
    let ranks: Vec<u64> = seen["ranks"].as_array().expect("a list").iter().filter_map(Value::as_u64).collect();
    assert!(!ranks.is_empty(), "the fix-first list is at the top");
    assert_eq!(ranks, (1..=ranks.len() as u64).collect::<Vec<_>>(), "ranked in order");
    let expected_order: Vec<u64> = verdict.fix_first.iter().map(|p| u64::from(p.rank)).collect();
    assert_eq!(ranks, expected_order, "the report lists what verdict.json ranks");
    assert!(seen["fix_first_before_matrix"].as_bool().unwrap_or(false), "fix first comes before the matrix");
    assert!(seen["trend_charts"].as_u64().unwrap_or(0) >= 2 + 8, "score, findings and a chart per channel: {seen:#}");

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).expect("tests/artifacts is writable");
    std::fs::write(artifacts.join("report-8x4.png"), png).expect("the screenshot is written");
}

/// Measures the report as laid out at 1280 px.
async fn open(path: &Path) -> browser::Result<(Value, Vec<u8>)> {
    let mut b = browser::Browser::launch().await?;
    b.open_page().await?;
    b.call(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({ "width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
    )
    .await?;
    b.navigate(&format!("file://{}", path.display())).await?;
    b.settle(Duration::from_millis(300)).await?;
    let seen = b
        .eval(
            r#"(() => {
              const wrap = document.querySelector('[data-matrix]');
              const pinned = Array.from(wrap.querySelectorAll('thead .pin'));
              const pinRight = Math.max(...pinned.map(p => p.getBoundingClientRect().right));
              const unreachable = [];
              for (const th of wrap.querySelectorAll('thead th:not(.pin)')) {
                // Scroll the box so the header sits just right of the pinned columns.
                wrap.scrollLeft = 0;
                const start = th.getBoundingClientRect().left - pinRight;
                wrap.scrollLeft = Math.max(0, start);
                const r = th.getBoundingClientRect(), w = wrap.getBoundingClientRect();
                const visible = Math.min(r.right, w.right) - Math.max(r.left, pinRight - 1);
                if (visible < Math.min(r.width, w.right - pinRight) - 1) { unreachable.push(th.textContent.trim()); }
              }
              wrap.scrollLeft = 0;
              const clipped = Array.from(wrap.querySelectorAll('td, th'))
                .filter(c => c.scrollWidth > c.clientWidth + 1)
                .map(c => c.textContent.trim().slice(0, 60));
              const fix = document.querySelector('[data-fix-first]');
              return {
                page_overflow: document.documentElement.scrollWidth > window.innerWidth,
                // What sticks out, if anything (outside scrolling boxes), for the failure message.
                too_wide: Array.from(document.querySelectorAll('body *'))
                  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > window.innerWidth + 1))
                  .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)),
                columns: wrap.querySelectorAll('tbody tr:first-child td').length - 2,
                unreachable, clipped,
                ranks: fix ? Array.from(fix.querySelectorAll('li')).map(li => Number(li.dataset.rank)) : [],
                fix_first_before_matrix: !!fix && !!(fix.compareDocumentPosition(wrap) & Node.DOCUMENT_POSITION_FOLLOWING),
                trend_charts: document.querySelectorAll('[data-trends] svg.trend-chart').length,
              };
            })()"#,
        )
        .await?;
    let shot = b.screenshot(1280, Some(2600.0)).await?;
    b.close().await;
    Ok((seen, shot))
}
