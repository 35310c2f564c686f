//! What Acme Broadband's agents know, and how each channel words it.
//!
//! The intended facts (the journey map's truth) are: returns within 30 days
//! at https://acme-broadband.example/help/returns, £29.99 a month with no
//! setup fee, the Acme Talk add-on at 53.35p a day, prices next changing on
//! 1 April 2027, 0800 123 4567 and help@acme-broadband.example, Mon–Fri
//! 8am–8pm and Sat 9am–noon, installation by Openreach, free, within 5 working days, 30
//! days' notice to cancel, 10% loyalty discount on a 12-month renewal, no
//! fee to leave at the end of the contract, and router finance at 9.9% APR
//! with a decision within 2 hours.
//!
//! Channels word these the hard way real contact centres do, and every such
//! answer is correct (tests/it/demo/hard_answers.rs): "thirty days",
//! "29.99 GBP", "£0.5335 per day", "9.9% APR (representative)",
//! "within 120 minutes", "01/04/2027", "+44 (0)800 …
//! (free …)", "(24/7 for faults)", "help [at] …", tracking queries and
//! trailing slashes, "9am till noon; closed on Sundays", "1 year", "we don't
//! charge an exit fee (£0)" — next to values of the same kind that are not
//! the fact: another product's price, engineer slots, a new-customer offer,
//! a business line, "You asked whether it's £20", and email's signature and
//! footer (src/demo/letter.rs). Three inconsistencies are planted on purpose
//! for touchpoint to find:
//! - email says refunds within **14 days** (a wrong fact on one channel);
//! - chat says installation within **10 working days** (chat disagrees with
//!   web and email);
//! - email never recognises a `CASE-#####` reference issued on chat (lost
//!   context between channels).
//!
//! Five answer-hygiene defects are planted too (facts stay right in them):
//! - email's opening-hours answer greets `Hi {{first_name}}` (a leaked
//!   placeholder);
//! - chat's contact answer carries `<b>` markup in a text channel;
//! - email's renewal answer quotes one customer's account, `AC-100234`
//!   (Raj Patel's in the example suite), to every customer who asks — a
//!   cross-customer leak everywhere but in the reply to Raj himself;
//! - chat's cancellation intent is switched off, so chat falls back
//!   ("Sorry, I'm not sure I understood") where email and the help centre
//!   answer;
//! - the help centre promises the renewal price is "guaranteed for life",
//!   a claim the example map forbids.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::RwLock;

/// A channel the demo serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Chat,
    Email,
    Web,
}

impl FromStr for Channel {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, UnknownName> {
        match name {
            "chat" => Ok(Self::Chat),
            "email" => Ok(Self::Email),
            "web" => Ok(Self::Web),
            _ => Err(UnknownName { kind: "channel", name: name.to_owned() }),
        }
    }
}

/// A customer intent the agents recognise; its slug is also the web article's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Refunds,
    Pricing,
    Contact,
    Hours,
    Installation,
    Cancelling,
    Loyalty,
    /// Spreading the cost of a new router (finance at an APR).
    Router,
    Faults,
    /// Anything else: a polite list of what the agent can help with.
    Fallback,
}

/// Every topic, in the order used for tie-breaks, the help index and search.
pub const TOPICS: [Topic; 10] = [
    Topic::Refunds,
    Topic::Pricing,
    Topic::Contact,
    Topic::Hours,
    Topic::Installation,
    Topic::Cancelling,
    Topic::Loyalty,
    Topic::Router,
    Topic::Faults,
    Topic::Fallback,
];

/// Every topic the demo knows, including `fallback`.
pub fn topics() -> &'static [Topic] {
    &TOPICS
}

impl Topic {
    pub fn slug(self) -> &'static str {
        match self {
            Self::Refunds => "refunds",
            Self::Pricing => "pricing",
            Self::Contact => "contact",
            Self::Hours => "hours",
            Self::Installation => "installation",
            Self::Cancelling => "cancelling",
            Self::Loyalty => "loyalty",
            Self::Router => "router",
            Self::Faults => "faults",
            Self::Fallback => "fallback",
        }
    }

    /// The help-centre article title.
    pub fn title(self) -> &'static str {
        match self {
            Self::Refunds => "Returns and refunds",
            Self::Pricing => "Prices",
            Self::Contact => "Contact us",
            Self::Hours => "Opening hours",
            Self::Installation => "Installation",
            Self::Cancelling => "Cancelling your contract",
            Self::Loyalty => "Renewals and loyalty discount",
            Self::Router => "Spread the cost of a new router",
            Self::Faults => "Broadband not working?",
            Self::Fallback => "How we can help",
        }
    }

    /// Phrases that signal this intent; each matches at the start of a word
    /// ("refund" matches "refunds"), so "pay" does not match "repay".
    pub fn keywords(self) -> &'static [&'static str] {
        match self {
            Self::Refunds => &["refund", "return", "send back", "money back"],
            Self::Pricing => &["price", "cost", "how much", "per month", "pay"],
            Self::Contact => &["phone", "call", "number", "ring", "email address"],
            Self::Hours => &["open", "hours", "when can i", "opening"],
            Self::Installation => &["install", "engineer", "set up", "setup", "activate"],
            Self::Cancelling => &["cancel", "leave", "notice", "terminate"],
            Self::Loyalty => &["renew", "renewal", "contract end", "discount", "loyalty"],
            // Not "router" alone: returning the router is a refund question.
            Self::Router => &["new router", "router upgrade", "spread the cost", "finance", "apr", "interest"],
            Self::Faults => &["broken", "not working", "fault", "no internet", "down", "outage"],
            Self::Fallback => &[],
        }
    }

    /// Whether the help centre has an article for this topic.
    pub fn has_article(self) -> bool {
        self != Self::Fallback
    }

    /// What `channel` says about this topic unless overridden. Chat's faults
    /// answer contains `{case}`, replaced by the customer's case reference.
    pub fn default_answer(self, channel: Channel) -> &'static str {
        use Channel::{Chat, Email, Web};
        match (self, channel) {
            // HARD BUT CORRECT (each channel below): the map's values worded
            // as contact centres write them, beside values of the same kind
            // that are not the fact. None of them may be a finding.
            (Self::Refunds, Chat) => "You can return it within thirty days of delivery for a full refund. Start your return at https://acme-broadband.example/help/returns/?utm_source=chat&utm_medium=assistant",
            // PLANTED: a wrong fact on one channel (the truth is 30 days).
            (Self::Refunds, Email) => "You can return your equipment within 14 days of delivery for a full refund. Start your return at https://acme-broadband.example/help/returns/ and we'll email you a free label.",
            (Self::Refunds, Web) => "Returns are accepted within 30 days of delivery.\n\nPack the router in its original box and start your return at https://acme-broadband.example/help/returns?utm_source=help_centre to get a free returns label. Your refund is paid to your original payment method within 5 working days of the router reaching us.",
            (Self::Pricing, Chat) => "Our broadband costs £29.99 a month, and there's no setup fee. Acme Talk (unlimited UK calls) is an extra 53.35p per day. Our prices next change on 01/04/2027.",
            (Self::Pricing, Email) => "You asked whether it's £20 a month: our broadband plan costs 29.99 GBP per month, with no setup fee. The Acme Talk add-on is £0.5335 per day, and our prices next rise on 1st April 2027.",
            (Self::Pricing, Web) => "Acme Fibre costs £29.99/mo. There is no setup fee.\n\nNeed more speed? Acme Fibre Max costs £39.99/mo.\n\nAdd Acme Talk for 53.35p/day.\n\nOur prices next change on April 1, 2027. This page was last updated on 12/11/2026.",
            // PLANTED (hygiene): markup in a text channel.
            (Self::Contact, Chat) => "You can call us free on <b>0800 123 4567</b> (24/7 for faults) or email help [at] acme-broadband.example.",
            (Self::Contact, Email) => "You can call us on +44 (0)800 123 4567 (free from UK landlines and mobiles) or email help@acme-broadband.example.",
            (Self::Contact, Web) => "Call us on 0800-123-4567 (free) or email help@acme-broadband.example.\n\nBusiness customers: call 0800 765 4321 or email business@acme-broadband.example.\n\nCalling from abroad? Dial +44 800 123 4567.",
            (Self::Hours, Chat) => "Our team is available weekdays 8am to 8pm and Saturdays 9am till noon; we're closed on Sundays.",
            // PLANTED (hygiene): the template's placeholder was never filled in.
            (Self::Hours, Email) => "Hi {{first_name}}, our customer care team is open Mon-Fri 8am-8pm and Sat 9am-12pm (closed Sundays and bank holidays).",
            (Self::Hours, Web) => "Customer Care is open Monday to Friday 08:00–20:00 and Saturday 09:00–12:00. We're closed on Sundays.\n\nEngineer appointments run 8am–1pm or 1pm–6pm, seven days a week.",
            // PLANTED: chat disagrees with web and email (the truth is 5 working days).
            (Self::Installation, Chat) => "An Openreach engineer will install your broadband within 10 working days, and there's no charge for installation. Our support team is here for you 7 days a week.",
            (Self::Installation, Email) => "An engineer will install your broadband within five working days. Installation is free of charge (normally £60). Your line is installed by Openreach, who look after the UK's phone network; your router comes separately by Royal Mail.",
            (Self::Installation, Web) => "Installation takes place within 5 working days of your order, and it is free of charge.\n\nOpenreach installs the line. If you're moving from Virgin Media, we'll tell them you're leaving.\n\nEngineer slots are 8am–1pm or 1pm–6pm, and your router arrives within 2 days.",
            (Self::Cancelling, Chat) => "You can cancel at any time with thirty days' notice.",
            (Self::Cancelling, Email) => "You can cancel at any time by giving us 30 days' notice.",
            (Self::Cancelling, Web) => "Tell us you want to leave and your contract ends 30 days later.",
            (Self::Loyalty, Chat) => "When your contract ends you can renew for another twelve months with a 10% loyalty discount. If you'd rather leave, we don't charge an exit fee (£0).",
            // PLANTED (hygiene): one customer's account quoted to everyone.
            (Self::Loyalty, Email) => "Customers who renew receive a loyalty discount of ten per cent, and the new contract runs for 1 year. There's no exit fee if you leave at the end of your contract. Your renewal quote for account AC-100234 is attached.",
            // PLANTED (hygiene): a promise the map forbids.
            (Self::Loyalty, Web) => "Renew at the end of your contract and get a 10 percent loyalty discount. Renewed contracts last a year, and your price is guaranteed for life.\n\nNew customers get 15% off their first 3 months.\n\nLeaving at the end of your contract is free of charge.",
            (Self::Router, Chat) => "Yes, you can spread the cost of a new router over 12 months at 9.9% APR (representative). We'll give you a decision within 2 hours.",
            (Self::Router, Email) => "Router finance is charged at 9.9% APR representative (fixed). Representative example: borrowing £120 over 12 months costs £6.42 in interest. Missed payments add a 2% late fee. Most applications are approved within 120 minutes.",
            (Self::Router, Web) => "Spread the cost of a router upgrade over 12 months at a representative 9.9% APR (fixed).\n\nWe decide on most applications in about two hours.\n\nTrade in your old router and get 20% off.",
            (Self::Faults, Chat) => "I'm sorry your broadband isn't working. I've opened case {case} for you, and our technical team will email you within 24 hours.",
            (Self::Faults, Email) => "I'm sorry your broadband isn't working. Please restart your router; if that doesn't help, reply with your account number and we'll look into it.",
            (Self::Faults, Web) => "If your broadband isn't working, restart your router and wait two minutes.\n\nIf that doesn't help, start a chat with us: we'll open a case and our technical team will email you within 24 hours.",
            (Self::Fallback, Chat) => "Sorry, I'm not sure I understood. I can help with returns and refunds, prices, contact details, opening hours, installation, cancelling, renewals, router finance and faults. What would you like to know?",
            (Self::Fallback, Email) => "I can help with returns and refunds, prices, contact details, opening hours, installation, cancelling, renewals, router finance and faults. Just reply and let me know what you need.",
            (Self::Fallback, Web) => "Browse our articles on returns and refunds, prices, contact details, opening hours, installation, cancelling, renewals, router finance and faults.",
        }
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

impl FromStr for Topic {
    type Err = UnknownName;

    fn from_str(name: &str) -> Result<Self, UnknownName> {
        TOPICS
            .into_iter()
            .find(|topic| topic.slug() == name)
            .ok_or_else(|| UnknownName { kind: "topic", name: name.to_owned() })
    }
}

/// A channel or topic name the demo does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownName {
    kind: &'static str,
    name: String,
}

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let known = match self.kind {
            "channel" => "chat, email, web".to_owned(),
            _ => TOPICS.map(Topic::slug).join(", "),
        };
        write!(f, "unknown {} `{}` (expected one of: {known})", self.kind, self.name)
    }
}

impl std::error::Error for UnknownName {}

/// The answers in force: the defaults above, with any overrides set by tests.
#[derive(Default)]
pub(crate) struct Answers {
    overrides: RwLock<HashMap<(Channel, Topic), String>>,
}

impl Answers {
    pub(crate) fn get(&self, channel: Channel, topic: Topic) -> String {
        let overrides = self.overrides.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        overrides.get(&(channel, topic)).cloned().unwrap_or_else(|| topic.default_answer(channel).to_owned())
    }

    pub(crate) fn set(&self, channel: Channel, topic: Topic, text: &str) {
        let mut overrides = self.overrides.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        overrides.insert((channel, topic), text.to_owned());
    }

    /// What an agent on `channel` replies to one customer message.
    /// `case_on_file` is the case reference this channel knows for the
    /// customer: chat knows it, email (deliberately) never does.
    pub(crate) fn reply(&self, channel: Channel, message: &str, case_on_file: Option<&str>) -> String {
        if let Some(case) = find_case_ref(message) {
            return match (channel, case_on_file) {
                (Channel::Chat, Some(known)) if known == case => format!(
                    "I can see case {case} on your account. Our technical team is working on it and will email you within 24 hours."
                ),
                (Channel::Chat, _) => format!(
                    "I'm sorry, I couldn't find case {case} on your account. Could you check the reference?"
                ),
                // PLANTED: lost context, email has never heard of chat's cases.
                (Channel::Email | Channel::Web, _) => format!(
                    "I'm sorry, I couldn't find a case with the reference {case}. Could you send me your account number?"
                ),
            };
        }
        let topic = match (channel, classify(message)) {
            // PLANTED (hygiene): chat's cancellation intent is switched off,
            // so chat falls back where email and the help centre answer.
            (Channel::Chat, Topic::Cancelling) => Topic::Fallback,
            (_, topic) => topic,
        };
        let answer = self.get(channel, topic);
        match case_on_file {
            Some(case) => answer.replace("{case}", case),
            None => answer,
        }
    }
}

/// The topic whose keywords occur most often in `message`; ties go to the
/// earlier topic, no match at all to [`Topic::Fallback`].
pub fn classify(message: &str) -> Topic {
    let text = normalise(message);
    TOPICS
        .into_iter()
        .map(|topic| (keyword_hits(topic, &text), topic))
        .filter(|(hits, _)| *hits > 0)
        // max_by_key keeps the last maximum; reversing makes ties go to the earlier topic.
        .rev()
        .max_by_key(|(hits, _)| *hits)
        .map_or(Topic::Fallback, |(_, topic)| topic)
}

/// How many of `topic`'s keywords occur in `normalised` text.
pub(crate) fn keyword_hits(topic: Topic, normalised: &str) -> usize {
    topic.keywords().iter().filter(|keyword| normalised.contains(&format!(" {keyword}"))).count()
}

/// Lowercase words separated by single spaces, with a leading space so that
/// `" keyword"` matches at the start of any word.
pub(crate) fn normalise(text: &str) -> String {
    let lower = text.to_lowercase();
    let words = lower.split(|c: char| !c.is_alphanumeric()).filter(|word| !word.is_empty());
    words.fold(String::new(), |mut out, word| {
        out.push(' ');
        out.push_str(word);
        out
    })
}

/// The case reference a chat agent opens for a customer's fault: fixed by
/// the seed and the customer's email, so re-runs see the same reference.
pub(crate) fn case_ref(seed: u64, customer_email: &str) -> String {
    let email = customer_email.trim().to_lowercase();
    format!("CASE-{}", super::seed::between(seed, &["case", &email], 10_000, 99_999))
}

/// The first `CASE-#####` reference in `text` (any letter case).
pub(crate) fn find_case_ref(text: &str) -> Option<String> {
    let upper = text.to_ascii_uppercase();
    upper.match_indices("CASE-").find_map(|(start, _)| {
        let digits = &upper.as_bytes()[start + 5..];
        let five = digits.len() >= 5 && digits[..5].iter().all(u8::is_ascii_digit);
        let exact = !digits.get(5).is_some_and(u8::is_ascii_digit);
        (five && exact).then(|| upper[start..start + 10].to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_keywords() {
        assert_eq!(classify("How long do I have to RETURN my router?"), Topic::Refunds);
        assert_eq!(classify("How much is it per month?"), Topic::Pricing);
        assert_eq!(classify("When can I call you?"), Topic::Contact);
        assert_eq!(classify("My internet is not working"), Topic::Faults);
        assert_eq!(classify("I'd like to repay you"), Topic::Fallback);
        assert_eq!(classify("Tell me a joke"), Topic::Fallback);
    }

    #[test]
    fn finds_case_refs() {
        assert_eq!(find_case_ref("about case-48213, please"), Some("CASE-48213".into()));
        assert_eq!(find_case_ref("CASE-4821 or CASE-482134"), None);
        assert_eq!(find_case_ref("CASE-"), None);
    }

    #[test]
    fn names_round_trip() {
        for topic in TOPICS {
            assert_eq!(topic.slug().parse::<Topic>(), Ok(topic));
        }
        let err = "chta".parse::<Channel>().unwrap_err().to_string();
        assert!(err.contains("chat, email, web"), "{err}");
    }
}
