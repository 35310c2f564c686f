//! Numbers as people write them: digits with decimals or thousands
//! separators ("1,299.50"), and English number words ("thirty",
//! "twenty-nine", "one hundred and five").
//!
//! All arithmetic is checked: "99999999999999999999 days" is simply not a
//! number we can hold, never a panic or a wrapped value.

/// A macro rather than a `const` because `concat!` only accepts literals.
macro_rules! word_alternatives {
    () => {
        "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\
thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fourty|fifty|\
sixty|seventy|eighty|ninety|hundred|thousand"
    };
}

/// A regex fragment matching a run of English number words, for embedding
/// in larger patterns. "a"/"an" count as one only on their own ("a week").
pub(crate) const WORDS_PATTERN: &str = concat!(
    r"(?:\ban\b|\ba\b|",
    r"(?:\b(?:",
    word_alternatives!(),
    r")\b)(?:[\s-]+(?:and[\s-]+)?(?:\b(?:",
    word_alternatives!(),
    r")\b))*)"
);

/// A regex fragment matching digits: thousands-separated ("1,299.99"),
/// plain with a decimal point or a two-digit decimal comma ("29,99").
pub(crate) const DIGITS_PATTERN: &str = r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+(?:\.[0-9]+|,[0-9]{2}\b)?)";

/// One number word ("seven", "twenty", "a"), lower-case.
pub(crate) fn word_value(word: &str) -> Option<u64> {
    let value = match word {
        "zero" => 0,
        "a" | "an" | "one" => 1,
        "two" => 2,
        "three" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        "thirteen" => 13,
        "fourteen" => 14,
        "fifteen" => 15,
        "sixteen" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" => 20,
        "thirty" => 30,
        "forty" | "fourty" => 40,
        "fifty" => 50,
        "sixty" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        _ => return None,
    };
    Some(value)
}

/// Parses a run of number words: "twenty-nine" → 29, "one hundred and five"
/// → 105, "two thousand" → 2000. `None` for nonsense such as "two three".
pub(crate) fn parse_words(text: &str) -> Option<u64> {
    let lower = text.to_lowercase();
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut seen_any = false;
    for word in lower.split(|c: char| c.is_whitespace() || c == '-').filter(|w| !w.is_empty()) {
        match word {
            "and" => continue,
            "hundred" => current = current.max(1).checked_mul(100)?,
            "thousand" => {
                total = total.checked_add(current.max(1).checked_mul(1000)?)?;
                current = 0;
            }
            _ => {
                let value = word_value(word)?;
                let below_hundred = current % 100;
                // "twenty nine" is fine; "two three" or "nine twenty" is not a number.
                let fits =
                    below_hundred == 0 || (below_hundred.is_multiple_of(10) && below_hundred >= 20 && value < 10);
                if !fits {
                    return None;
                }
                current = current.checked_add(value)?;
            }
        }
        seen_any = true;
    }
    if !seen_any {
        return None;
    }
    total.checked_add(current)
}

/// Parses digits as written in [`DIGITS_PATTERN`] into a fixed-point integer
/// with `decimals` digits after the point: `parse_fixed("29.99", 2)` is 2999.
/// Extra decimal digits are rounded half up. `None` on overflow.
pub(crate) fn parse_fixed(text: &str, decimals: u32) -> Option<i64> {
    let text = text.trim();
    // A comma followed by exactly two digits and nothing else is a decimal comma.
    let decimal_comma =
        text.rsplit_once(',').is_some_and(|(int, frac)| frac.len() == 2 && !int.contains(',') && !text.contains('.'));
    let normalised: String =
        if decimal_comma { text.replace(',', ".") } else { text.chars().filter(|c| *c != ',').collect() };
    let (int_part, frac_part) = normalised.split_once('.').unwrap_or((normalised.as_str(), ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    if !int_part.bytes().chain(frac_part.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let scale = 10i64.checked_pow(decimals)?;
    let mut value: i64 = 0;
    for b in int_part.bytes() {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    value = value.checked_mul(scale)?;
    let mut place = scale / 10;
    let mut digits = frac_part.bytes();
    for b in digits.by_ref().take(decimals as usize) {
        value = value.checked_add(i64::from(b - b'0').checked_mul(place)?)?;
        place /= 10;
    }
    if digits.next().is_some_and(|b| b >= b'5') {
        value = value.checked_add(1)?;
    }
    Some(value)
}

/// A number written with digits or words, as a fixed-point integer
/// (see [`parse_fixed`]).
pub(crate) fn parse_any(text: &str, decimals: u32) -> Option<i64> {
    if text.trim_start().starts_with(|c: char| c.is_ascii_digit()) {
        parse_fixed(text, decimals)
    } else {
        let whole = i64::try_from(parse_words(text)?).ok()?;
        whole.checked_mul(10i64.checked_pow(decimals)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        for (text, want) in [
            ("thirty", Some(30)),
            ("twenty-nine", Some(29)),
            ("Twenty Nine", Some(29)),
            ("one hundred and five", Some(105)),
            ("two thousand", Some(2000)),
            ("a", Some(1)),
            ("two three", None),
            ("nine twenty", None),
            ("banana", None),
            ("", None),
        ] {
            assert_eq!(parse_words(text), want, "{text}");
        }
    }

    #[test]
    fn fixed() {
        for (text, want) in [
            ("29.99", Some(2999)),
            ("29,99", Some(2999)),
            ("1,299.50", Some(129950)),
            ("1,299", Some(129900)),
            ("5", Some(500)),
            ("0.125", Some(13)),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_fixed(text, 2), want, "{text}");
        }
    }
}
