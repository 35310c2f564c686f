//! Opening hours: "Mon–Fri 8am–8pm", "Monday to Friday, 08:00–20:00",
//! "weekdays 8am to 8pm", "Mon–Fri 9–5, Sat 10am–2pm", "24/7".
//!
//! A value is the whole weekly schedule: one [`OpenSpan`] per day and
//! opening, sorted, closed days absent. Statements joined only by
//! punctuation, "and", or closed days ("Sat closed") form one value. A time
//! range with no days ("open 8am to 8pm") means every day — unless the text
//! names days elsewhere, when it is ignored as a fragment.
//!
//! Schedules agree only when equal: "Mon–Fri 8am–8pm" when the map also
//! opens on Saturday is reported, because a customer would infer the
//! Saturday closure. (`judge` also tries the union of every hours statement
//! in an answer, for answers that spread the week over several sentences.)

mod display;
mod tokens;

pub(crate) use display::display;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{FactValue, Found};
use tokens::{Clock, Tok, Token, ALL_DAYS};

/// One opening on one day. Minutes from midnight; `close` may pass 1440
/// for openings that run past midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpenSpan {
    /// 0 = Monday … 6 = Sunday.
    pub day: u8,
    pub open: u16,
    pub close: u16,
}

/// Opening and closing minutes of each opening in a statement.
type Spans = Vec<(u16, u16)>;

/// One "days + times" statement found in the tokens.
struct Segment {
    days: u8,
    /// No days were written ("open 8am to 8pm"): every day, unless the
    /// text names days elsewhere, when it is more likely a fragment.
    implied_days: bool,
    times: Spans,
    tokens: Range<usize>,
}

pub(crate) fn extract(text: &str) -> Vec<Found> {
    let tokens = tokens::tokenize(text);
    let mut segments = segments(&tokens);
    if segments.iter().any(|s| !s.implied_days) {
        segments.retain(|s| !s.implied_days);
    }
    let mut out = Vec::new();
    let mut group: Vec<&Segment> = Vec::new();
    for segment in &segments {
        if let Some(last) = group.last() {
            let covered = group.iter().fold(0u8, |mask, s| mask | s.days);
            let joined = tokens[last.tokens.end..segment.tokens.start].iter().all(|t| {
                matches!(t.tok, Tok::List { .. } | Tok::Punct | Tok::Filler | Tok::Closed | Tok::Day(_) | Tok::Days(_))
            });
            if !joined || covered & segment.days != 0 {
                out.extend(found(text, &tokens, &group));
                group.clear();
            }
        }
        group.push(segment);
    }
    out.extend(found(text, &tokens, &group));
    out
}

/// Words that make a sentence about opening hours rather than, say, an
/// engineer's visiting slot: days, "open", "lines", "available", "24/7".
static SCHEDULE_CUE: once_cell::sync::Lazy<regex::Regex> = once_cell::sync::Lazy::new(|| {
    regex::Regex::new(r"(?i)\b(?:open|opens|opening|close|closes|closed|closing|hours|lines?|available|availability|reach|staffed|answer|answered|chat|phone|helpline|office|store|shop|branch|daily|every\s+day|weekdays?|weekends?|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun|(?:mon|tues|wednes|thurs|fri|satur|sun)days?|24/7|öffnungszeiten|geöffnet|uhr|täglich|werktags|mo|fr|sa)\b")
        .expect("valid regex")
});

/// Whether `sentence` talks about a schedule (see [`SCHEDULE_CUE`]).
pub(crate) fn names_schedule(sentence: &str) -> bool {
    SCHEDULE_CUE.is_match(sentence)
}

/// The whole schedule in a map value; several statements are one schedule.
pub(crate) fn parse(text: &str) -> Result<FactValue, String> {
    let found = extract(text);
    if found.is_empty() {
        return Err(format!("`{text}` is not a set of opening hours"));
    }
    let values: Vec<&FactValue> = found.iter().map(|f| &f.value).collect();
    union(&values).ok_or_else(|| format!("`{text}` gives two different hours for the same day"))
}

/// Several partial schedules as one; `None` if two give different hours for a day.
pub(crate) fn union(values: &[&FactValue]) -> Option<FactValue> {
    let mut week: Vec<OpenSpan> = Vec::new();
    for value in values {
        let FactValue::Hours { week: more } = value else {
            return None;
        };
        for day in 0..7u8 {
            let theirs: Vec<&OpenSpan> = more.iter().filter(|s| s.day == day).collect();
            if theirs.is_empty() {
                continue;
            }
            let ours: Vec<&OpenSpan> = week.iter().filter(|s| s.day == day).collect();
            if !ours.is_empty() && ours != theirs {
                return None;
            }
        }
        week.extend(more.iter().copied());
    }
    week.sort();
    week.dedup();
    Some(FactValue::Hours { week })
}

fn found(text: &str, tokens: &[Token], group: &[&Segment]) -> Option<Found> {
    let (first, last) = (group.first()?, group.last()?);
    let start = tokens.get(first.tokens.start)?.span.start;
    let end = tokens.get(last.tokens.end.checked_sub(1)?)?.span.end;
    let mut week: Vec<OpenSpan> = group
        .iter()
        .flat_map(|s| {
            (0..7u8)
                .filter(move |d| s.days & (1 << d) != 0)
                .flat_map(move |day| s.times.iter().map(move |&(open, close)| OpenSpan { day, open, close }))
        })
        .collect();
    week.sort();
    week.dedup();
    Found::new(text, start..end, FactValue::Hours { week })
}

/// Finds every statement, left to right, each either "days times" or
/// "times days"; a lone time range of precise times means every day.
fn segments(tokens: &[Token]) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let starts_statement =
            matches!(tokens[i].tok, Tok::Days(_) | Tok::Day(_) | Tok::Time(_) | Tok::AllWeek | Tok::AllDay);
        if !starts_statement {
            i += 1;
            continue;
        }
        match segment_at(tokens, i) {
            Some(segment) => {
                i = segment.tokens.end.max(i + 1);
                out.push(segment);
            }
            None => i += 1,
        }
    }
    out
}

fn segment_at(tokens: &[Token], i: usize) -> Option<Segment> {
    if tokens[i].tok == Tok::AllWeek {
        return Some(Segment { days: ALL_DAYS, implied_days: false, times: vec![(0, 1440)], tokens: i..i + 1 });
    }
    if let Some((days, after_days)) = days_at(tokens, i) {
        let j = skip_filler(tokens, after_days);
        let (mut times, mut end, _) = times_at(tokens, j)?;
        // "9am–12pm and 1pm–5pm": more ranges for the same days, unless the
        // next range belongs to days written after it ("…, 10am–2pm Sat").
        loop {
            let k = skip_filler(tokens, end);
            let Some((more, next, _)) = times_at(tokens, k) else {
                break;
            };
            if days_at(tokens, skip_filler(tokens, next)).is_some() {
                break;
            }
            times.extend(more);
            end = next;
        }
        return Some(Segment { days, implied_days: false, times, tokens: i..end });
    }
    // Times first: "8am–8pm Mon–Fri", "9 till 5 on weekdays"; without days,
    // only unmistakable clock times count ("open 8am to 8pm", not "5-10").
    let (times, after_times, precise) = times_at(tokens, i)?;
    let j = skip_filler(tokens, after_times);
    match days_at(tokens, j) {
        Some((days, end)) => Some(Segment { days, implied_days: false, times, tokens: i..end }),
        None if precise => Some(Segment { days: ALL_DAYS, implied_days: true, times, tokens: i..after_times }),
        None => None,
    }
}

fn skip_filler(tokens: &[Token], mut i: usize) -> usize {
    let mut skipped = 0;
    while skipped < 4 && matches!(tokens.get(i).map(|t| t.tok), Some(Tok::Filler | Tok::List { .. })) {
        i += 1;
        skipped += 1;
    }
    i
}

/// "Mon–Fri", "Saturday and Sunday", "weekdays", "Mon, Wed & Fri".
fn days_at(tokens: &[Token], i: usize) -> Option<(u8, usize)> {
    let (mut mask, mut end) = day_item(tokens, i)?;
    loop {
        let mut j = end;
        let mut separators = 0;
        while matches!(tokens.get(j).map(|t| t.tok), Some(Tok::List { .. })) && separators < 2 {
            j += 1;
            separators += 1;
        }
        if separators == 0 {
            break;
        }
        match day_item(tokens, j) {
            Some((more, next)) => {
                mask |= more;
                end = next;
            }
            None => break,
        }
    }
    Some((mask, end))
}

fn day_item(tokens: &[Token], i: usize) -> Option<(u8, usize)> {
    match tokens.get(i)?.tok {
        Tok::Days(mask) => Some((mask, i + 1)),
        Tok::Day(first) => {
            if let (Some(Tok::RangeSep), Some(Tok::Day(last))) =
                (tokens.get(i + 1).map(|t| t.tok), tokens.get(i + 2).map(|t| t.tok))
            {
                // "Fri–Mon" wraps around the weekend.
                let mut mask = 0u8;
                let mut d = first;
                loop {
                    mask |= 1 << d;
                    if d == last {
                        break;
                    }
                    d = (d + 1) % 7;
                }
                return Some((mask, i + 3));
            }
            Some((1 << first, i + 1))
        }
        _ => None,
    }
}

/// "8am–8pm", "08:00 to 20:00", "between 8am and 8pm", "24 hours": the
/// spans, the token after them, and whether the times are unmistakably
/// clock times (an am/pm, minutes, "noon") rather than bare numbers.
fn times_at(tokens: &[Token], i: usize) -> Option<(Spans, usize, bool)> {
    let i = skip_filler(tokens, i);
    match tokens.get(i)?.tok {
        // "within 24 hours" is a duration; only days make it opening hours.
        Tok::AllDay => Some((vec![(0, 1440)], i + 1, false)),
        Tok::Time(open) => {
            let sep_ok = matches!(tokens.get(i + 1)?.tok, Tok::RangeSep | Tok::List { and: true });
            let Tok::Time(close) = tokens.get(i + 2)?.tok else {
                return None;
            };
            if !sep_ok {
                return None;
            }
            let span = resolve(open, close)?;
            Some((vec![span], i + 3, is_precise(open) || is_precise(close)))
        }
        _ => None,
    }
}

fn is_precise(clock: Clock) -> bool {
    match clock {
        Clock::At { precise, .. } => precise,
        Clock::Noon | Clock::Midnight => true,
    }
}

/// Minutes from midnight for both ends, resolving am/pm left unsaid:
/// "9–5" closes at 17:00, "1–5pm" opens at 13:00, "8–8pm" opens at 08:00.
fn resolve(open: Clock, close: Clock) -> Option<(u16, u16)> {
    let close_pm = matches!(close, Clock::At { pm: Some(true), .. });
    let close_min = match close {
        Clock::Noon => 720,
        Clock::Midnight => 1440,
        Clock::At { hour, minute, pm, .. } => minutes(hour, minute, pm),
    };
    let open_min = match open {
        Clock::Noon => 720,
        Clock::Midnight => 0,
        Clock::At { hour, minute, pm: None, .. } if close_pm && hour < 12 => {
            let as_pm = minutes(hour, minute, Some(true));
            if as_pm < close_min {
                as_pm
            } else {
                minutes(hour, minute, None)
            }
        }
        Clock::At { hour, minute, pm, .. } => minutes(hour, minute, pm),
    };
    let mut close_min = close_min;
    if let Clock::At { hour, pm: None, .. } = close {
        if close_min <= open_min && hour <= 12 {
            close_min += 720;
        }
    }
    if close_min <= open_min {
        close_min += 1440; // past midnight: "8pm–2am"
    }
    if open_min >= 1440 || close_min > 2880 || close_min <= open_min {
        return None;
    }
    Some((u16::try_from(open_min).ok()?, u16::try_from(close_min).ok()?))
}

fn minutes(hour: u32, minute: u32, pm: Option<bool>) -> u32 {
    let hour = match pm {
        Some(false) => hour % 12,
        Some(true) => hour % 12 + 12,
        None => hour,
    };
    hour * 60 + minute
}
