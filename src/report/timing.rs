//! Timings: per channel, how long customers waited for a reply, against the
//! channel's service level. Percentiles come from the verdict; the chart's
//! distribution is drawn from the recorded exchanges themselves.

use super::labels::Labels;
use super::svg::{self, Histogram};
use super::text;
use crate::record::RecordedRun;
use crate::verdict::{Interval, Verdict};
use serde::Serialize;

/// Slowest replies listed under each chart.
const SLOWEST: usize = 3;

#[derive(Debug, Clone, Serialize)]
pub struct ChannelTiming {
    pub channel: String,
    pub sla: Option<String>,
    pub replies: u64,
    pub no_reply: u64,
    pub p50: Option<String>,
    pub p95: Option<String>,
    pub max: Option<String>,
    pub breaches: u64,
    pub possible_breaches: u64,
    /// `met`, `possible`, `breach`, `none`: the channel at a glance.
    pub status_key: &'static str,
    pub status: String,
    pub chart: Option<Histogram>,
    pub slowest: Vec<Slow>,
    /// Streamed replies (`mode = "stream"`, `"websocket"`): how long until
    /// the first words arrived, next to the full answer's time above.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_words: Option<FirstWords>,
}

/// Time to the first words of streamed replies, from the record.
#[derive(Debug, Clone, Serialize)]
pub struct FirstWords {
    pub p50: String,
    pub p95: String,
    pub replies: usize,
}

/// The first-words times of a channel's streamed replies (nearest-rank percentiles).
fn first_words(run: &RecordedRun, channel: &str) -> Option<FirstWords> {
    let mut ms: Vec<f64> = run
        .exchanges
        .iter()
        .filter(|x| x.channel == channel)
        .filter_map(|x| x.reply.as_ref()?.t_first_byte_us.map(|t| t.saturating_sub(x.t_sent_us) as f64 / 1000.0))
        .collect();
    if ms.is_empty() {
        return None;
    }
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((q * ms.len() as f64).ceil() as usize).clamp(1, ms.len()) - 1];
    Some(FirstWords { p50: text::duration_ms(at(0.5)), p95: text::duration_ms(at(0.95)), replies: ms.len() })
}

/// One of the slowest replies, linked to its transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Slow {
    pub latency: String,
    pub persona: String,
    pub transcript: String,
}

fn interval(i: &Option<Interval>) -> Option<String> {
    i.map(|i| text::interval_ms(i.earliest_ms, i.latest_ms))
}

pub fn build(v: &Verdict, run: &RecordedRun, labels: &Labels) -> Vec<ChannelTiming> {
    v.sla
        .iter()
        .map(|s| {
            // The moment the reply was seen: the conservative bound, as the customer saw it.
            let mut seen: Vec<(f64, &crate::record::Exchange)> = run
                .exchanges
                .iter()
                .filter(|x| x.channel == s.channel)
                .filter_map(|x| x.latency_ms().map(|(_, hi)| (hi, x)))
                .collect();
            let values: Vec<f64> = seen.iter().map(|(ms, _)| *ms).collect();
            let mut markers = Vec::new();
            if let Some(p) = s.p50 {
                markers.push(("p50", p.latest_ms));
            }
            if let Some(p) = s.p95 {
                markers.push(("p95", p.latest_ms));
            }
            let chart = svg::histogram(&values, s.sla_ms, &markers);
            seen.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.seq.cmp(&b.1.seq)));
            let slowest = seen
                .iter()
                .take(SLOWEST)
                .map(|(ms, x)| Slow {
                    latency: text::duration_ms(*ms),
                    persona: labels.persona(&x.task.persona),
                    transcript: format!("x-{}", x.seq),
                })
                .collect();
            let (status_key, status) = match (s.sla_ms, s.breaches, s.possible_breaches) {
                (None, ..) => ("none", "No service level set for this channel".to_string()),
                (Some(_), 0, 0) if s.replies > 0 => ("met", "Every reply within the service level".to_string()),
                (Some(_), 0, 0) => ("none", "No replies to time".to_string()),
                (Some(_), 0, p) => ("possible", format!("{p} replies possibly over the service level")),
                (Some(_), b, _) => (
                    "breach",
                    format!(
                        "{b} of {} {} slower than the service level",
                        s.replies,
                        if s.replies == 1 { "reply" } else { "replies" }
                    ),
                ),
            };
            ChannelTiming {
                channel: labels.channel(&s.channel),
                sla: s.sla_ms.map(text::duration_ms),
                replies: s.replies,
                no_reply: s.no_reply,
                p50: interval(&s.p50),
                p95: interval(&s.p95),
                max: interval(&s.max),
                breaches: s.breaches,
                possible_breaches: s.possible_breaches,
                status_key,
                status,
                chart,
                slowest,
                first_words: first_words(run, &s.channel),
            }
        })
        .collect()
}
