//! Alerts: what changed since the previous run, as a Slack-compatible
//! webhook payload (`{"text": …, "blocks": […]}`; Mattermost, Rocket.Chat
//! and most chat tools accept the same), and the POST that delivers it.
//!
//! Building the payload is pure. Finding summaries quote the target's
//! answers, so they are untrusted: escaped for Slack's mrkdwn (`&`, `<`,
//! `>`), which also keeps a hostile answer from forging links or mentions,
//! and cut to Slack's size limits.

use super::Changes;
use crate::verdict::Severity;
use serde_json::{json, Value};
use std::time::Duration;

/// At most this many findings are listed per section; the rest are counted.
const LISTED: usize = 10;
/// Slack's limits: a section's text, and a header's.
const SECTION_MAX: usize = 3000;
const HEADER_MAX: usize = 150;
/// One finding's summary in the list.
const SUMMARY_MAX: usize = 240;

/// What the alert is about, beyond the changes.
#[derive(Debug, Clone)]
pub struct About<'a> {
    pub company: &'a str,
    pub run_id: &'a str,
    /// 0–100, when anything was scored.
    pub score: Option<f64>,
    /// An `http(s)://` link to report.html, or its path on this machine.
    pub report: &'a str,
}

/// The webhook payload. `text` is the notification line (and what tools
/// without blocks show); `blocks` list the new and fixed findings.
pub fn payload(about: &About<'_>, changes: &Changes) -> Value {
    let headline = headline(about.company, changes);
    let score = about.score.map(|s| format!("score {:.0}/100", s)).unwrap_or_else(|| "no score".into());
    let mut blocks =
        vec![json!({"type": "header", "text": {"type": "plain_text", "text": cut(&headline, HEADER_MAX)}})];
    for (title, list) in [("New since the last run", &changes.new), ("Fixed since the last run", &changes.fixed)] {
        if list.is_empty() {
            continue;
        }
        let mut text = format!("*{title}*");
        for f in list.iter().take(LISTED) {
            text.push_str(&format!(
                "\n• {} *{}* {} `{}`",
                icon(f.severity),
                f.severity.name().to_uppercase(),
                escape(&cut(&f.summary, SUMMARY_MAX)),
                escape(&f.id)
            ));
        }
        if list.len() > LISTED {
            text.push_str(&format!("\n… and {} more in the report", list.len() - LISTED));
        }
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": cut(&text, SECTION_MAX)}}));
    }
    let report = if about.report.starts_with("https://") || about.report.starts_with("http://") {
        format!("<{}|report.html>", about.report.replace('|', "%7C").replace('>', "%3E"))
    } else {
        format!("report: `{}`", escape(about.report))
    };
    blocks.push(json!({"type": "context", "elements": [{"type": "mrkdwn", "text": format!("run {} · {score} · {report}", escape(about.run_id))}]}));
    json!({"text": escape(&format!("{headline} ({score}) — run {}: {}", about.run_id, about.report)), "blocks": blocks})
}

/// `Acme Broadband: 2 new findings, 1 fixed`.
fn headline(company: &str, changes: &Changes) -> String {
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut parts = Vec::new();
    if !changes.new.is_empty() {
        parts.push(plural(changes.new.len(), "new finding", "new findings"));
    }
    if !changes.fixed.is_empty() {
        parts.push(plural(changes.fixed.len(), "finding fixed", "findings fixed"));
    }
    if parts.is_empty() {
        parts.push("no change".into());
    }
    format!("{company}: {}", parts.join(", "))
}

fn icon(s: Severity) -> &'static str {
    match s {
        Severity::Critical => ":red_circle:",
        Severity::High => ":large_orange_circle:",
        Severity::Medium => ":large_yellow_circle:",
        Severity::Low => ":large_blue_circle:",
        Severity::Info => ":white_circle:",
    }
}

/// Slack's mrkdwn escaping: the three characters that start links, mentions and entities.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// At most `max` characters (not bytes), marked with `…` when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The webhook for logs: scheme and host only, since Slack-style webhook
/// URLs carry their secret in the path.
pub fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or("?")),
        Err(_) => "(not a URL)".into(),
    }
}

/// POSTs the payload, retrying twice on failure; Err says why it was not delivered.
pub async fn send(client: &reqwest::Client, url: &str, payload: &Value) -> Result<(), String> {
    let mut last = String::new();
    for attempt in 0..3u32 {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_secs(1 << (attempt - 1))).await;
        }
        match client.post(url).timeout(Duration::from_secs(10)).json(payload).send().await {
            Ok(r) if r.status().is_success() => return Ok(()),
            Ok(r) => last = format!("the webhook answered HTTP {}", r.status().as_u16()),
            // Without the URL: webhook URLs carry their secret in the path.
            Err(e) => last = format!("could not reach the webhook: {}", e.without_url()),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Change;

    fn change(id: &str, severity: Severity, summary: &str) -> Change {
        Change { id: id.into(), severity, summary: summary.into() }
    }

    fn about() -> About<'static> {
        About {
            company: "Acme Broadband",
            run_id: "20261125-170000-abcd",
            score: Some(81.4),
            report: "https://audits.example/acme/20261125-170000-abcd/report.html",
        }
    }

    #[test]
    fn lists_new_and_fixed_findings_with_severity_and_a_link() {
        let changes = Changes {
            new: vec![change("a414a364b128fcd1", Severity::Critical, "Email says the refund window is 14 days")],
            fixed: vec![
                change("8a3be2ff7f9f7abc", Severity::High, "Chat says the installation time is 10 working days"),
                change("x", Severity::Medium, "y"),
            ],
        };
        let p = payload(&about(), &changes);
        let text = p["text"].as_str().unwrap();
        assert!(text.starts_with("Acme Broadband: 1 new finding, 2 findings fixed (score 81/100)"), "{text}");
        let blocks = p["blocks"].as_array().unwrap();
        assert_eq!(blocks[0]["type"], "header");
        let new = blocks[1]["text"]["text"].as_str().unwrap();
        assert!(new.starts_with("*New since the last run*"), "{new}");
        assert!(new.contains("*CRITICAL* Email says the refund window is 14 days `a414a364b128fcd1`"), "{new}");
        let fixed = blocks[2]["text"]["text"].as_str().unwrap();
        assert!(fixed.contains("*HIGH* Chat says the installation time"), "{fixed}");
        let context = blocks[3]["elements"][0]["text"].as_str().unwrap();
        assert!(
            context.contains("<https://audits.example/acme/20261125-170000-abcd/report.html|report.html>"),
            "{context}"
        );
    }

    #[test]
    fn hostile_answers_cannot_forge_links_or_mentions() {
        let changes = Changes {
            new: vec![change("1", Severity::High, "Chat says <!channel> <https://evil.example|click> & more")],
            fixed: vec![],
        };
        let p = payload(&About { report: "/srv/reports/r/report.html", ..about() }, &changes);
        let new = p["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(new.contains("&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more"), "{new}");
        assert!(!p.to_string().contains("<!channel>"));
        assert!(p["blocks"][2]["elements"][0]["text"]
            .as_str()
            .unwrap()
            .contains("report: `/srv/reports/r/report.html`"));
    }

    #[test]
    fn long_lists_are_cut_to_slack_limits() {
        let long = "x".repeat(5000);
        let changes =
            Changes { new: (0..25).map(|i| change(&i.to_string(), Severity::Low, &long)).collect(), fixed: vec![] };
        let p = payload(&about(), &changes);
        let new = p["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(new.chars().count() <= SECTION_MAX);
        assert!(new.contains("… and 15 more in the report"));
        assert_eq!(new.matches('•').count(), LISTED);
    }
}
