//! `touchpoint check` on `[hygiene]` and `[[forbidden]]`: every mistake
//! located, with what to do next; unknown keys get a "did you mean".

use crate::check::{check, copy_suite};
use std::io::Write;

fn append(dir: &std::path::Path, file: &str, text: &str) {
    let mut f = std::fs::OpenOptions::new().append(true).open(dir.join(file)).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

#[test]
fn hygiene_settings_are_checked_with_located_errors() {
    let dir = copy_suite();
    append(
        dir.path(),
        "map.toml",
        r#"
[hygiene]
markup = true
langauge_min_words = 12
allow_tags = ["script", "<b>"]
fallback_phrases = ["  "]

[hygiene.channels.chta]
markup = false

[hygiene.channels.web]
language_min_words = 0

[[forbidden]]
text = "guaranteed"
regex = "guaranteed"

[[forbidden]]
regex = "(unclosed"

[[forbidden]]
fact = "monthly_price"
value = "a lot"

[[forbidden]]
fact = "monthly_prise"
value = "£24.99"

[[forbidden]]
reason = "nothing to look for"
"#,
    );
    let (code, out) = check(dir.path());
    assert_eq!(code, 2, "{out}");
    for expected in [
        "unknown key `langauge_min_words`",
        "did you mean `language_min_words`?",
        "`script` cannot be allowed",
        "`<b>` is not a tag name",
        "an empty fallback phrase",
        "hygiene settings for unknown channel `chta`",
        "did you mean `chat`?",
        "`language_min_words` is 0",
        "a forbidden claim must use one of `text`, `regex` or `fact`",
        "this regex does not compile",
        "the forbidden value is not a valid money",
        "unknown fact `monthly_prise`",
        "did you mean `monthly_price`?",
        "a forbidden claim says nothing to look for",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert!(out.contains("<suite>/map.toml:"), "located: {out}");
    assert!(out.contains("the suite has 11 errors"), "{out}");
}

#[test]
fn good_hygiene_settings_pass() {
    let dir = copy_suite();
    append(
        dir.path(),
        "map.toml",
        r#"
[hygiene]
language_min_words = 12
fallback_phrases = ["let me check with a colleague"]

[hygiene.channels.web]
allow_tags = ["b", "a"]

[[forbidden]]
id = "older-price"
fact = "monthly_price"
value = "£24.99"
reason = "the price before April"
"#,
    );
    let (code, out) = check(dir.path());
    assert_eq!(code, 0, "{out}");
}
