//! Unrendered placeholders: the template a reply was built from shows
//! through (`Hi {{first_name}}`, `${name}`, `%s`, `%(name)s`,
//! `[CUSTOMER_NAME]`, `<FIRST_NAME>`).
//!
//! Precision first: a single-brace or bracketed word is a placeholder only
//! when it looks like a variable (`first_name`, `firstName`) or is one of
//! the names templates use (`{name}`, `[EMAIL]`); `{satisfaction}`,
//! `[NOTE]` and `<BR>` are left alone, and `50% sure` is not `%s`.

use super::text::{after, before, inside, is_word_char, word_before};
use super::Hit;
use crate::verdict::Severity;
use once_cell::sync::Lazy;
use regex::Regex;
use std::ops::Range;

static PLACEHOLDER: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?x)
          \{\{\s*[A-Za-z_][^{}\n]{0,80}?\}\}        # {{ first_name }}
        | \{%\s*[A-Za-z_][^{}\n]{0,80}?%\}          # {% if vip %}
        | \$\{[A-Za-z_][A-Za-z0-9_.]{0,60}\}        # ${name}
        | %\([A-Za-z_][A-Za-z0-9_]{0,60}\)[sdif]    # %(name)s
        | \{[A-Za-z_][A-Za-z0-9_.]{0,60}\}          # {first_name} (vetted)
        | \{\d\}                                    # {0}
        | \[[A-Z][A-Z0-9_]{1,60}(?:\ [A-Z][A-Z0-9_]{0,30}){0,3}\]  # [CUSTOMER_NAME], [FIRST NAME] (vetted)
        | <[A-Z][A-Z0-9_]{1,60}>                    # <FIRST_NAME> (vetted)
        | %[sd]                                     # %s (vetted)
        ",
    )
    .expect("valid regex")
});

/// Names templates give their variables, written without separators and
/// lowercased: `{name}`, `[EMAIL]`, `<ACCOUNT>`.
const NAMES: &[&str] = &[
    "name",
    "firstname",
    "lastname",
    "surname",
    "fullname",
    "customer",
    "customername",
    "username",
    "user",
    "email",
    "phone",
    "mobile",
    "address",
    "postcode",
    "zip",
    "amount",
    "balance",
    "price",
    "total",
    "date",
    "time",
    "order",
    "orderid",
    "ordernumber",
    "account",
    "accountid",
    "accountnumber",
    "ref",
    "reference",
    "case",
    "caseid",
    "casenumber",
    "ticket",
    "ticketid",
    "id",
    "agent",
    "agentname",
    "company",
    "plan",
    "product",
    "link",
    "url",
    "code",
    "value",
    "var",
    "variable",
    "placeholder",
    "title",
];

/// Every placeholder in `text` outside `skip` (the customer's own words).
pub fn find(text: &str, skip: &[Range<usize>]) -> Vec<Hit> {
    PLACEHOLDER
        .find_iter(text)
        .filter(|m| !inside(&m.range(), skip) && vetted(text, m.range()))
        .map(|m| Hit::new(m.range(), format!("the placeholder {}", m.as_str()), Severity::High))
        .collect()
}

fn vetted(text: &str, span: Range<usize>) -> bool {
    let s = &text[span.clone()];
    let glued = before(text, span.start).is_some_and(is_word_char) || after(text, span.end).is_some_and(is_word_char);
    if s.starts_with("{{") || s.starts_with("{%") || s.starts_with("${") || s.starts_with("%(") {
        return true;
    }
    if s == "%s" || s == "%d" {
        // " %s " — not "50%s" and not "%sale".
        return !glued && before(text, span.start).is_none_or(|c| c != '%');
    }
    if glued {
        return false;
    }
    let inner = &s[1..s.len() - 1];
    if s.starts_with('{') && inner.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    looks_like_variable(inner) && !(s.starts_with(['[', '<']) && is_slot_in_instruction(text, span.start))
}

/// "Reply with your [ACCOUNT NUMBER]", "text BILL [POSTCODE] to 80800",
/// "quote the [REFERENCE]": a bracketed name the customer is told to fill
/// in is a form to follow, not a template that failed to render. Told by
/// the word before it (a possessive or article) or an instruction verb
/// opening its line a few words before.
fn is_slot_in_instruction(text: &str, start: usize) -> bool {
    if word_before(text, start).is_some_and(|w| matches!(w.as_str(), "your" | "the" | "a" | "an" | "their")) {
        return true;
    }
    let line_start = text[..start].rfind(['\n', '.', '!', '?', ':']).map_or(0, |i| i + 1);
    let head: Vec<String> = text[line_start..start].split_whitespace().map(str::to_lowercase).collect();
    head.len() <= 4
        && head.first().is_some_and(|w| {
            matches!(
                w.trim_matches(|c: char| !c.is_alphabetic()),
                "text" | "sms" | "reply" | "enter" | "type" | "send" | "quote" | "include" | "write" | "use" | "format"
            )
        })
}

/// `first_name`, `firstName`, `order.id`, or a name templates use.
fn looks_like_variable(name: &str) -> bool {
    let camel = name.chars().zip(name.chars().skip(1)).any(|(a, b)| a.is_ascii_lowercase() && b.is_ascii_uppercase());
    let joined: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let separated = name.contains(['_', '.']) && name.len() > 2;
    separated || camel || NAMES.contains(&joined.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        find(text, &[]).into_iter().map(|h| &text[h.span]).collect()
    }

    #[test]
    fn finds_every_template_syntax() {
        assert_eq!(found("Hi {{first_name}}, thanks!"), ["{{first_name}}"]);
        assert_eq!(found("Hi {{ persona.name | title }}!"), ["{{ persona.name | title }}"]);
        assert_eq!(found("Dear {first_name},"), ["{first_name}"]);
        assert_eq!(found("Dear {name},"), ["{name}"]);
        assert_eq!(found("Hello ${name}."), ["${name}"]);
        assert_eq!(found("Your order %s has shipped"), ["%s"]);
        assert_eq!(found("Hello %(name)s!"), ["%(name)s"]);
        assert_eq!(found("Dear [CUSTOMER_NAME], welcome"), ["[CUSTOMER_NAME]"]);
        assert_eq!(found("Dear <FIRST_NAME>, welcome"), ["<FIRST_NAME>"]);
        assert_eq!(found("Your reference is {0}."), ["{0}"]);
        assert_eq!(found("Hi {firstName}"), ["{firstName}"]);
        assert_eq!(found("Dear [FIRST NAME], thanks for your email."), ["[FIRST NAME]"]);
        assert_eq!(found("Your meter reading is booked for [DATE]."), ["[DATE]"]);
    }

    #[test]
    fn near_misses_do_not_fire() {
        for text in [
            "We promise 100% {satisfaction} or your money back.",
            "50% sure, 100%sale, 20 %discount",
            "[NOTE] Prices include VAT.",
            "Line one<BR>line two",
            "Prices: {see below}",
            "Use the code SAVE10 at checkout.",
            "It costs $29.99 per month.",
            "a[i] = b{c}",
            "The JSON looks like {\"a\": 1}",
            "Email us at <help@acme.example>.",
            // Instructions with a slot for the customer to fill in.
            "To check your balance, reply with your [ACCOUNT NUMBER] and postcode.",
            "Text BILL [ACCOUNT_NUMBER] to 80800.",
            "Please quote the [REFERENCE] we sent you.",
            "Enter [POSTCODE] in the box below.",
        ] {
            assert!(found(text).is_empty(), "{text}: {:?}", found(text));
        }
    }

    #[test]
    fn the_customers_own_words_are_skipped() {
        let text = "Happy to help!\n> Hi, my name is {{first_name}}";
        let quote = text.find('>').unwrap()..text.len();
        assert!(find(text, &[quote]).is_empty());
    }
}
