//! How support writes an email: who the customer is, what they are asking,
//! and the reply as a person writes it, with greeting, signature and quote.

use chrono::{DateTime, Utc};

use super::knowledge::{classify, find_case_ref, Topic};

/// Who wrote: their bare address and the first name to greet them by.
pub(crate) struct Sender {
    pub(crate) address: String,
    pub(crate) first_name: String,
}

impl Sender {
    pub(crate) fn parse(from: &str) -> Option<Self> {
        let from = from.trim();
        let (display, address) = match (from.find('<'), from.rfind('>')) {
            (Some(open), Some(close)) if open < close => {
                (from[..open].trim().trim_matches('"'), &from[open + 1..close])
            }
            _ => ("", from),
        };
        let address = address.trim().to_lowercase();
        let (local, domain) = address.split_once('@')?;
        if local.is_empty() || domain.is_empty() || address.chars().any(char::is_whitespace) {
            return None;
        }
        let first = match display.split_whitespace().next() {
            Some(word) => word.to_owned(),
            None => local.split(|c: char| !c.is_alphabetic()).next().unwrap_or_default().to_owned(),
        };
        let mut chars = first.chars();
        let first_name = match chars.next() {
            Some(initial) => initial.to_uppercase().chain(chars).collect(),
            None => "there".to_owned(),
        };
        Some(Self { address, first_name })
    }
}

/// The reply's subject: "Re: " once, however long the thread.
pub(crate) fn reply_subject(subject: &str) -> String {
    let subject = subject.trim();
    if subject.get(..3).is_some_and(|re| re.eq_ignore_ascii_case("re:")) {
        subject.to_owned()
    } else {
        format!("Re: {subject}")
    }
}

/// What the customer is asking: the lines they wrote themselves (not the
/// quoted history), or the subject too when those lines alone say nothing
/// recognisable; in a thread, "Re: Refund question" must not outweigh a
/// new question in the body.
pub(crate) fn question(subject: &str, text: &str) -> String {
    let own: Vec<&str> = text.lines().filter(|line| !line.trim_start().starts_with('>')).collect();
    let own = own.join("\n");
    if classify(&own) != Topic::Fallback || find_case_ref(&own).is_some() {
        own
    } else {
        format!("{subject}\n{own}")
    }
}

/// A reply as a person writes it: greeting, answer, signature (with a direct
/// line), a footer with other numbers, prices, a link and the customer's own
/// address, then the customer's email quoted below: none of them is an
/// answer, so none may be read as one.
pub(crate) fn reply_body(
    first_name: &str,
    answer: &str,
    from: &str,
    to: &str,
    original: &str,
    received: DateTime<Utc>,
) -> String {
    let date = received.format("%a, %-d %b %Y at %H:%M");
    let quoted: Vec<String> = original.lines().map(|line| format!("> {line}").trim_end().to_owned()).collect();
    format!(
        "Hello {first_name},\n\n{answer}\n\nKind regards,\nPriya\nAcme Broadband Customer Care\nDirect line: 0333 000 1234\n-- \n\
         Acme Broadband Ltd · Call us on 0800 123 4567 · Registered in England 01234567\n\
         Calls to 0333 numbers cost up to 9p per minute. Manage your account at https://acme-broadband.example/account/\n\
         This email was sent to {to}.\n\n\
         On {date}, {from} wrote:\n{}",
        quoted.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn senders() {
        let sam = Sender::parse("Sam Jones <Sam.Jones@Example.com>").unwrap();
        assert_eq!((sam.address.as_str(), sam.first_name.as_str()), ("sam.jones@example.com", "Sam"));
        assert_eq!(Sender::parse("priya_k@example.com").unwrap().first_name, "Priya");
        assert!(Sender::parse("not an address").is_none());
    }

    #[test]
    fn subjects_and_quotes() {
        assert_eq!(reply_subject("Refund"), "Re: Refund");
        assert_eq!(reply_subject("RE: Refund"), "RE: Refund");
        assert_eq!(question("Refund", "what does it cost?\n> refund"), "what does it cost?");
        assert_eq!(question("Refund", "hello"), "Refund\nhello");
    }
}
