//! Phone numbers: "0800 123 4567", "+44 800 123 4567", "+44 (0)800 123 4567",
//! "0044 800 1234567" — all the same number, held as E.164 ("+448001234567").
//!
//! Answers are full of digit runs that are not phone numbers, so a candidate
//! must look like one: international (`+` or `00` and 8–15 digits) or
//! national with a trunk `0` (10–11 digits in the UK; Irish 1800/1850/1890
//! numbers have none), not preceded by a
//! currency symbol or a word such as "case" or "order", and not a date.

use std::ops::Range;

use once_cell::sync::Lazy;
use regex::Regex;

use super::{FactValue, Found, Locale};

/// Digit groups separated by at most one space, dot or hyphen, optionally
/// parenthesised: "(0)800", "(020) 7946 0000". A separator is a single
/// character so "4567 - 9am" does not run on into the next number.
static CANDIDATE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"\+?\(?[0-9]+\)?(?:[ .\-\u{a0}]?\(?[0-9]+\)?)*").expect("valid phone regex"));

/// Words that make a following number a reference rather than a phone number.
const REFERENCE_WORDS: [&str; 13] = [
    "case",
    "ref",
    "reference",
    "order",
    "ticket",
    "account",
    "invoice",
    "booking",
    "tracking",
    "serial",
    "policy",
    "id",
    "iban",
];
/// Words that make a following "number" a reference ("customer number",
/// "meter number"), while "customer service" stays a phone context.
const NUMBERED_THINGS: [&str; 8] = ["customer", "membership", "member", "card", "meter", "mpan", "mprn", "contract"];
const PHONE_WORDS: [&str; 10] =
    ["phone", "call", "tel", "telephone", "ring", "mobile", "line", "fax", "helpline", "contact"];

pub(crate) fn extract(text: &str, locale: &Locale) -> Vec<Found> {
    CANDIDATE
        .find_iter(text)
        .filter_map(|m| {
            let range = trim_parens(text, m.range());
            if !plausible_before(text, &range) {
                return None;
            }
            let (range, e164) = longest_valid_prefix(text, range, locale)?;
            Found::new(text, range, FactValue::Phone { e164 })
        })
        .collect()
}

pub(crate) fn parse(text: &str, locale: &Locale) -> Result<FactValue, String> {
    let found = extract(text, locale);
    match found.as_slice() {
        [one] => Ok(one.value.clone()),
        [] => Err(format!("`{text}` is not a phone number")),
        [a, b, ..] => Err(format!(
            "`{text}` states more than one phone number (`{}` and `{}`); a fact holds one value",
            a.excerpt, b.excerpt
        )),
    }
}

/// A trailing ")" without its "(" (as in "call (or text) 0800 …)") is not
/// part of the number, and neither is a leading "(" without its ")".
fn trim_parens(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let opens = slice.matches('(').count();
    let closes = slice.matches(')').count();
    let mut range = range;
    if closes > opens && slice.ends_with(')') {
        range.end -= 1;
    }
    if opens > closes && slice.starts_with('(') {
        range.start += 1;
    }
    range
}

/// What follows a number must not glue it to more ("10%", "01/03", "A1").
/// Checked per prefix, so "0800 111 999 (24/7)" is read up to "999".
fn plausible_after(after: &str) -> bool {
    !after.starts_with(|c: char| c.is_alphanumeric() || "%/".contains(c))
}

fn plausible_before(text: &str, range: &Range<usize>) -> bool {
    let before = &text[..range.start];
    // Glued to letters or currency ("A123", "£0800", "01/03/2027").
    if before.ends_with(|c: char| c.is_alphanumeric() || "£$€¥#/".contains(c)) {
        return false;
    }
    // "case 0123456789" is a reference; "call 0800 …" is not, even after "order".
    let tail: Vec<String> = before
        .split_whitespace()
        .rev()
        .take(4)
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .collect();
    let tail: Vec<&str> = tail.iter().map(String::as_str).collect();
    let numbered = tail.windows(2).any(|w| matches!(w[0], "number" | "no" | "id") && NUMBERED_THINGS.contains(&w[1]));
    let mentions_reference = numbered || tail.iter().take(3).any(|w| REFERENCE_WORDS.contains(w));
    let mentions_phone = tail.iter().any(|w| {
        let w = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
        PHONE_WORDS.iter().any(|p| w.starts_with(p))
    });
    !mentions_reference || mentions_phone
}

/// Tries the whole candidate, then shorter prefixes ending at a digit group,
/// so "0800 123 4567 2027" still yields the phone number.
fn longest_valid_prefix(text: &str, range: Range<usize>, locale: &Locale) -> Option<(Range<usize>, String)> {
    let slice = &text[range.clone()];
    let mut ends: Vec<usize> = slice
        .char_indices()
        .filter(|(i, c)| c.is_ascii_digit() && !slice[i + 1..].starts_with(|n: char| n.is_ascii_digit()))
        .map(|(i, _)| i + 1)
        .collect();
    ends.reverse();
    ends.into_iter().find_map(|end| {
        let candidate = &slice[..end];
        if !plausible_after(&text[range.start + end..]) {
            return None;
        }
        // A bracket opened and not closed belongs to what follows: "999 (24/7)".
        let trimmed = candidate.trim_end_matches(['(', ' ']);
        if trimmed.matches('(').count() > trimmed.matches(')').count() {
            return None;
        }
        normalise(candidate, locale).map(|e164| (range.start..range.start + end, e164))
    })
}

/// The E.164 form of one candidate, or `None` if it is not a phone number.
fn normalise(candidate: &str, locale: &Locale) -> Option<String> {
    // "+44 (0)800": the "(0)" is the trunk prefix written for national callers.
    let cleaned = candidate.replace("(0)", "");
    let digits: String = cleaned.chars().filter(|c| c.is_ascii_digit()).collect();
    let has_separator = candidate.contains(|c: char| !c.is_ascii_digit());
    // "29.99" or "1.5": a dot between a few digits is a decimal, not a number.
    if candidate.contains('.') && digits.len() < 9 {
        return None;
    }
    let international = if let Some(rest) = cleaned.strip_prefix('+') {
        Some(rest.chars().filter(|c| c.is_ascii_digit()).collect::<String>())
    } else {
        digits.strip_prefix("00").map(str::to_string)
    };
    let country = locale.country_code.trim_start_matches('+');
    let full = match international {
        Some(mut number) => {
            // "+44 0800 …": drop a trunk 0 written after our own country code.
            if let Some(national) = number.strip_prefix(country).and_then(|rest| rest.strip_prefix('0')) {
                number = format!("{country}{national}");
            }
            if !(8..=15).contains(&number.len()) {
                return None;
            }
            number
        }
        None if country == "1" => {
            // North America has no trunk 0: "(800) 555-1234" or "1-800-555-1234".
            if !has_separator {
                return None;
            }
            match digits.len() {
                10 if !digits.starts_with(['0', '1']) => format!("1{digits}"),
                11 if digits.starts_with('1') => digits,
                _ => return None,
            }
        }
        // Irish freephone and shared-cost numbers have no trunk 0: "1800 20 50 50".
        None if country == "353"
            && digits.len() == 10
            && ["1800", "1850", "1890"].iter().any(|p| digits.starts_with(p)) =>
        {
            format!("{country}{digits}")
        }
        None => {
            let national = digits.strip_prefix('0')?;
            let allowed = if country == "44" { 9..=10 } else { 6..=12 };
            if national.starts_with('0') || !allowed.contains(&national.len()) {
                return None;
            }
            format!("{country}{national}")
        }
    };
    Some(format!("+{full}"))
}

/// "+44 800 123 4567": country code, then the national number in groups.
pub(crate) fn display(e164: &str) -> String {
    let digits = e164.trim_start_matches('+');
    let cc_len = country_code_len(digits);
    let (cc, national) = digits.split_at(cc_len.min(digits.len()));
    let groups: Vec<&str> = match (cc, national.len()) {
        ("44", 10) if national.starts_with('2') => {
            vec![&national[..2], &national[2..6], &national[6..]]
        }
        ("44", 10) if national.starts_with('7') => vec![&national[..4], &national[4..]],
        (_, 10) => vec![&national[..3], &national[3..6], &national[6..]],
        _ => chunk(national),
    };
    format!("+{cc} {}", groups.join(" "))
}

fn chunk(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = s;
    while rest.len() > 4 {
        let (head, tail) = rest.split_at(3);
        out.push(head);
        rest = tail;
    }
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}

/// Length of the ITU calling code at the start of `digits` (1, 2 or 3).
fn country_code_len(digits: &str) -> usize {
    const TWO_DIGIT: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if digits.starts_with('1') || digits.starts_with('7') {
        1
    } else if TWO_DIGIT.iter().any(|cc| digits.starts_with(cc)) {
        2
    } else {
        3
    }
}
