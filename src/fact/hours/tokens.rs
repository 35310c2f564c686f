//! The words of an opening-hours statement: day names, clock times, range
//! separators ("–", "to", "until"), and the filler between them.
//!
//! Tokenising first keeps the grammar in `mod.rs` small: "Mon–Fri 8am–8pm",
//! "Monday to Friday, 08:00–20:00" and "weekdays 8am to 8pm" become the same
//! token sequence `Days RangeSep? Days? Time RangeSep Time`.

use std::ops::Range;

use once_cell::sync::Lazy;
use regex::Regex;

/// Every day of the week as a bit mask, Monday = bit 0.
pub(super) const ALL_DAYS: u8 = 0x7F;
pub(super) const WEEKDAYS: u8 = 0x1F;
pub(super) const WEEKEND: u8 = 0x60;

/// A clock time as written; am/pm is resolved later against the other end
/// of the range ("9–5" is 09:00–17:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Clock {
    /// Hour and minute with an explicit am (false) or pm (true), or none.
    At {
        hour: u32,
        minute: u32,
        pm: Option<bool>,
        precise: bool,
    },
    Noon,
    Midnight,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Tok {
    Days(u8),
    /// A single day, kept apart from groups so "Mon–Fri" can be a range.
    Day(u8),
    Time(Clock),
    RangeSep,
    /// "," "&" "and": joins list items, and "between 8am and 8pm".
    List {
        and: bool,
    },
    /// Words that may sit between days and times: "from", "open", ":".
    Filler,
    /// "24/7": every day, all day.
    AllWeek,
    /// "24 hours": all day.
    AllDay,
    Closed,
    /// Sentence punctuation or a line break.
    Punct,
    /// Any other word: ends a statement.
    Word,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

static ATOM: Lazy<Regex> = Lazy::new(|| Regex::new(r"[0-9]+(?:[:.][0-9]{2})?|\p{L}+|\n|\S").expect("valid regex"));

pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let atoms: Vec<(Range<usize>, String)> =
        ATOM.find_iter(text).map(|m| (m.range(), m.as_str().to_lowercase())).collect();
    let word = |i: usize| atoms.get(i).map(|(_, w)| w.as_str()).unwrap_or("");
    let mut out = Vec::new();
    let mut i = 0;
    while i < atoms.len() {
        let start = atoms[i].0.start;
        let (tok, used) = classify(&word, i);
        let used = used.max(1);
        let end = atoms[i + used - 1].0.end;
        out.push(Token { tok, span: start..end });
        i += used;
    }
    out
}

/// The token starting at atom `i`, and how many atoms it spans.
fn classify<'a>(word: &impl Fn(usize) -> &'a str, i: usize) -> (Tok, usize) {
    let w = word(i);
    if w.starts_with(|c: char| c.is_ascii_digit()) {
        return classify_number(word, i);
    }
    let tok = match w {
        "–" | "—" | "-" | "−" | "to" | "until" | "till" | "til" | "through" | "thru" | "bis" => Tok::RangeSep,
        "," | "&" | "+" => Tok::List { and: false },
        "and" | "und" => Tok::List { and: true },
        // German: "Mo–Fr 9–17:30 Uhr", "von 9 bis 17 Uhr", "täglich", "werktags".
        "uhr" | "von" | "ab" | "geöffnet" | "erreichbar" | "sind" | "wir" | "für" | "sie" => Tok::Filler,
        "geschlossen" => Tok::Closed,
        "täglich" => Tok::Days(ALL_DAYS),
        "werktags" => Tok::Days(WEEKDAYS),
        ":" | "'" | "’" | "from" | "between" | "open" | "opens" | "opening" | "on" | "we" | "re" | "are" | "is"
        | "hours" | "at" | "the" | "am" | "pm" | "s" | "times" | "lines" | "of" | "it" | "be" | "available"
        | "morning" | "mornings" | "afternoon" | "afternoons" | "evening" | "evenings" => Tok::Filler,
        "closed" => Tok::Closed,
        "noon" | "midday" => Tok::Time(Clock::Noon),
        "midnight" => Tok::Time(Clock::Midnight),
        "weekdays" | "weekday" => Tok::Days(WEEKDAYS),
        "weekends" | "weekend" => Tok::Days(WEEKEND),
        "daily" | "everyday" => Tok::Days(ALL_DAYS),
        "every" if word(i + 1) == "day" => return (Tok::Days(ALL_DAYS), 2),
        // "half five", "half past five": 5:30 (British).
        "half" => {
            let past = usize::from(word(i + 1) == "past");
            return match clock_hour(word(i + 1 + past)) {
                Some(hour) => (Tok::Time(Clock::At { hour, minute: 30, pm: None, precise: true }), 2 + past),
                None => (Tok::Word, 1),
            };
        }
        "\n" | "." | ";" | "!" | "?" | "(" | ")" => Tok::Punct,
        _ => match day(w) {
            Some(d) => Tok::Day(d),
            None => return german_abbreviation(word, i).unwrap_or((Tok::Word, 1)),
        },
    };
    (tok, 1)
}

fn classify_number<'a>(word: &impl Fn(usize) -> &'a str, i: usize) -> (Tok, usize) {
    let w = word(i);
    let (hour, minute) = match w.split_once([':', '.']) {
        Some((h, m)) => (h.parse::<u32>().ok(), m.parse::<u32>().ok()),
        None => (w.parse::<u32>().ok(), Some(0)),
    };
    let (Some(hour), Some(minute)) = (hour, minute) else {
        return (Tok::Word, 1);
    };
    let precise = w.contains([':', '.']);
    if !precise {
        if hour == 24 && word(i + 1) == "/" && word(i + 2) == "7" {
            return (Tok::AllWeek, 3);
        }
        if hour == 24 && matches!(word(i + 1), "hours" | "hrs" | "hour") {
            let a_day = word(i + 2) == "a" && word(i + 3) == "day";
            return (Tok::AllDay, if a_day { 4 } else { 2 });
        }
        if hour == 7 && word(i + 1) == "days" && word(i + 2) == "a" && word(i + 3) == "week" {
            return (Tok::Days(ALL_DAYS), 4);
        }
    }
    // "8am", "8 am", "8 a.m.", "8a.m", "8 in the morning", "8 at night".
    let (pm, used) = match (word(i + 1), word(i + 2), word(i + 3)) {
        ("am", _, _) => (Some(false), 2),
        ("pm", _, _) => (Some(true), 2),
        ("in", "the", "morning") => (Some(false), 4),
        ("in", "the", "afternoon" | "evening") => (Some(true), 4),
        ("at", "night", _) => (Some(true), 3),
        ("o", "'" | "’", "clock") => (None, 4),
        ("a" | "p", ".", "m") => {
            let dot = usize::from(word(i + 4) == ".");
            (Some(word(i + 1) == "p"), 4 + dot)
        }
        _ => (None, 1),
    };
    let valid = match pm {
        Some(_) => (1..=12).contains(&hour) && minute < 60,
        None => hour <= 24 && minute < 60 && !(hour == 24 && minute > 0),
    };
    if !valid || (w.len() > 2 && !precise) {
        return (Tok::Word, 1);
    }
    (Tok::Time(Clock::At { hour, minute, pm, precise: precise || pm.is_some() }), used)
}

/// An hour on a 12-hour clock written as a digit or a word ("5", "five").
fn clock_hour(word: &str) -> Option<u32> {
    let hour = match word {
        // "a"/"an" are one elsewhere ("an hour"), never an hour on the clock.
        "a" | "an" => return None,
        w => match crate::fact::numbers::word_value(w) {
            Some(v) => u32::try_from(v).ok()?,
            None => w.parse().ok()?,
        },
    };
    (1..=12).contains(&hour).then_some(hour)
}

/// A German two-letter day ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
/// with its dot ("Mo.") taken along. "do", "so" and "di" are English words
/// or names too, so one counts only beside another day or a time: "Mo–Fr",
/// "Sa 10–14 Uhr", "Mo., Mi. und Fr.".
fn german_abbreviation<'a>(word: &impl Fn(usize) -> &'a str, i: usize) -> Option<(Tok, usize)> {
    const DAYS: [&str; 7] = ["mo", "di", "mi", "do", "fr", "sa", "so"];
    let index = DAYS.iter().position(|d| *d == word(i))?;
    let dot = usize::from(word(i + 1) == ".");
    let next = word(i + 1 + dot);
    let is_day = |w: &str| DAYS.contains(&w) || day(w).is_some();
    let is_sep = |w: &str| matches!(w, "–" | "—" | "-" | "bis" | "," | "und" | "&");
    let beside_day = (is_sep(next) && is_day(word(i + 2 + dot)))
        || (i >= 2 && is_sep(word(i - 1)) && is_day(word(i - 2)))
        || (i >= 3 && is_sep(word(i - 1)) && word(i - 2) == "." && is_day(word(i - 3)));
    let before_time = next.starts_with(|c: char| c.is_ascii_digit())
        || (next == ":" && word(i + 2 + dot).starts_with(|c: char| c.is_ascii_digit()));
    (beside_day || before_time).then_some((Tok::Day(index as u8), 1 + dot))
}

/// Day index (Monday = 0) of a day name or abbreviation, singular or plural
/// (English, or a German full name).
fn day(word: &str) -> Option<u8> {
    let german = match word {
        "montag" | "montags" => Some(0),
        "dienstag" | "dienstags" => Some(1),
        "mittwoch" | "mittwochs" => Some(2),
        "donnerstag" | "donnerstags" => Some(3),
        "freitag" | "freitags" => Some(4),
        "samstag" | "samstags" | "sonnabend" | "sonnabends" => Some(5),
        "sonntag" | "sonntags" => Some(6),
        _ => None,
    };
    if german.is_some() {
        return german;
    }
    // "Mondays" is Monday; "thus" is not Thursday.
    let word = if word.ends_with("days") { &word[..word.len() - 1] } else { word };
    let index = match word {
        "mon" | "monday" => 0,
        "tue" | "tues" | "tuesday" => 1,
        "wed" | "weds" | "wednesday" => 2,
        "thu" | "thur" | "thurs" | "thursday" => 3,
        "fri" | "friday" => 4,
        "sat" | "saturday" => 5,
        "sun" | "sunday" => 6,
        _ => return None,
    };
    Some(index)
}
