//! Anchoring: what ties a value in an answer to the fact being checked.
//!
//! An answer about a standing charge may also quote a unit rate, a footer's
//! call charges and the customer's own figure. A value counts for a fact
//! only when the answer ties it to the fact: the same clause or sentence
//! names the fact's subject (its label, aliases or keywords), the sentence
//! answers the question asked, or it is the only value of its kind in the
//! company's words. The strongest tie present wins; values tied less
//! strongly are other things and are left alone.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::words::{self, is_stopword, mentions};

/// How a value was tied to its fact, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The only value of its kind in the company's words.
    Sole,
    /// The sentence answers the question asked (shares its topic words).
    Question,
    /// The sentence names the subject's key words without its generic head
    /// ("refunds" for "refund window").
    Keyword,
    /// A heading or the sentence just before names the fact's subject.
    Nearby,
    /// The same sentence names the fact's subject.
    Sentence,
    /// The same clause names the fact's subject.
    Clause,
}

impl Anchor {
    /// For the report: "the clause names the subject".
    pub fn describe(self) -> &'static str {
        match self {
            Anchor::Sole => "the only value of its kind in the answer",
            Anchor::Question => "the sentence answers the question asked",
            Anchor::Keyword => "the sentence names the subject's key word",
            Anchor::Nearby => "the sentence before names the subject",
            Anchor::Sentence => "the sentence names the subject",
            Anchor::Clause => "the clause names the subject",
        }
    }
}

/// Stems that must all appear for a term to be mentioned.
#[derive(Debug, Clone, Default)]
pub(crate) struct Terms {
    terms: Vec<Vec<String>>,
}

/// Head nouns that many subjects share: "refund window", "exit fee",
/// "support line". A subject's other words are its key words.
fn is_generic(word: &str) -> bool {
    matches!(
        word,
        "window"
            | "fee"
            | "fees"
            | "charge"
            | "charges"
            | "price"
            | "cost"
            | "line"
            | "number"
            | "hours"
            | "time"
            | "times"
            | "period"
            | "length"
            | "duration"
            | "term"
            | "rate"
            | "address"
            | "page"
            | "link"
            | "email"
            | "phone"
            | "date"
            | "amount"
            | "policy"
            | "details"
            | "team"
            | "service"
            | "contact"
    )
}

/// Words a question is made of that say nothing about its topic.
fn is_question_filler(word: &str) -> bool {
    is_stopword(word)
        || matches!(
            word,
            "how"
                | "what"
                | "what's"
                | "when"
                | "where"
                | "which"
                | "who"
                | "why"
                | "much"
                | "many"
                | "long"
                | "does"
                | "did"
                | "could"
                | "would"
                | "should"
                | "tell"
                | "know"
                | "need"
                | "want"
                | "like"
                | "hi"
                | "hello"
                | "hey"
                | "thanks"
                | "thank"
                | "there"
                | "get"
                | "i'm"
                | "i'd"
                | "am"
                | "about"
                | "some"
                | "again"
                | "yes"
                | "no"
                | "not"
                | "don't"
                | "is"
                | "it"
                | "currently"
                | "still"
                | "exactly"
                | "right"
                | "ok"
                | "okay"
                // Units and money words: every price question has them.
                | "cost"
                | "costs"
                | "price"
                | "pay"
                | "charge"
                | "month"
                | "months"
                | "monthly"
                | "day"
                | "days"
                | "daily"
                | "week"
                | "weeks"
                | "year"
                | "years"
                | "minute"
                | "minutes"
                | "hour"
                | "per"
                | "take"
                | "takes"
                | "quickly"
                | "soon"
                | "anything"
                | "something"
                | "can"
                | "find"
                // Words every question of a kind has: not its topic.
                | "call"
                | "number"
                | "phone"
                | "ring"
                | "contact"
                | "reach"
                | "email"
                | "e-mail"
                | "address"
                | "website"
                | "site"
                | "link"
                | "page"
                | "web"
                | "online"
        )
}

impl Terms {
    /// Phrases that name a subject: each phrase's significant words must all
    /// appear ("standing charge" needs both words; "charge" alone is not it).
    pub(crate) fn subject(phrases: &[String]) -> Terms {
        let terms = phrases
            .iter()
            .map(|p| words::words(p).into_iter().map(|(_, w)| w).filter(|w| !is_stopword(w)).collect::<Vec<_>>())
            .filter(|t| !t.is_empty())
            .collect();
        Terms { terms }
    }

    /// The topic words of a question, each enough on its own.
    pub(crate) fn question(question: &str) -> Terms {
        let mut terms: Vec<Vec<String>> = Vec::new();
        for (_, w) in words::words(question) {
            if is_question_filler(&w) || w.chars().count() < 3 || w.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if !terms.iter().any(|t| t[0] == w) {
                terms.push(vec![w]);
            }
        }
        Terms { terms }
    }

    /// Like [`Terms::mentioned_in`], counting only terms that are more than
    /// a generic word ("email" alone is every footer's word).
    pub(crate) fn strongly_mentioned_in(&self, text: &str, range: &Range<usize>) -> bool {
        let Some(slice) = text.get(range.clone()) else { return false };
        let hay = words::words(slice);
        self.terms
            .iter()
            .filter(|term| term.iter().any(|w| !is_generic(w)))
            .any(|term| term.iter().all(|w| mentions(&hay, w)))
    }

    /// Whether `text[range]` names every key word of some subject phrase
    /// that has a generic head ("refunds" for "refund window").
    pub(crate) fn keywords_in(&self, text: &str, range: &Range<usize>) -> bool {
        let Some(slice) = text.get(range.clone()) else { return false };
        let hay = words::words(slice);
        self.terms.iter().any(|term| {
            let key: Vec<&String> = term.iter().filter(|w| !is_generic(w)).collect();
            !key.is_empty() && key.len() < term.len() && key.iter().all(|w| mentions(&hay, w))
        })
    }

    /// Whether `text[range]` names part of a many-word subject but not all
    /// of it ("Fibre 500" for "Fibre 100", "account fee" for "exit fee"):
    /// a sibling of the subject, not the subject.
    pub(crate) fn sibling_in(&self, text: &str, range: &Range<usize>) -> bool {
        let Some(slice) = text.get(range.clone()) else { return false };
        let hay = words::words(slice);
        let full = self.terms.iter().any(|term| term.iter().all(|w| mentions(&hay, w)));
        let key = self.terms.iter().any(|term| {
            let key: Vec<&String> = term.iter().filter(|w| !is_generic(w)).collect();
            !key.is_empty() && key.iter().all(|w| mentions(&hay, w))
        });
        !full && !key && self.terms.iter().any(|term| term.len() > 1 && term.iter().any(|w| mentions(&hay, w)))
    }

    /// Whether `text[range]` names another thing of the subject's sort: a
    /// content word of a many-word subject phrase without the rest of it,
    /// and no whole phrase ("your current card" for "new card").
    pub(crate) fn other_in(&self, text: &str, range: &Range<usize>) -> bool {
        let Some(slice) = text.get(range.clone()) else { return false };
        let hay = words::words(slice);
        let full = self.terms.iter().any(|term| term.iter().all(|w| mentions(&hay, w)));
        !full
            && self.terms.iter().any(|term| {
                term.len() > 1
                    && term.iter().any(|w| !is_generic(w) && mentions(&hay, w))
                    // "per minute" is said "a minute" too.
                    && term.iter().any(|w| w != "per" && !mentions(&hay, w))
            })
    }

    /// Whether `text[range]` names another charge, fee, price or rate
    /// than the subject: a head noun qualified by a word the subject does
    /// not have ("our standing charge" for an exit fee, "the late payment
    /// fee" for a monthly price). Such a sentence may share the question's
    /// words, but its value belongs to that other thing.
    pub(crate) fn another_charge_in(&self, text: &str, range: &Range<usize>) -> bool {
        let Some(slice) = text.get(range.clone()) else { return false };
        let hay = words::words(slice);
        let ours = |w: &str| self.terms.iter().flatten().any(|t| words::mentions(&[(0..0, w.to_string())], t));
        hay.windows(2).any(|pair| {
            let (qualifier, head) = (pair[0].1.as_str(), pair[1].1.as_str());
            matches!(head, "charge" | "fee" | "price" | "rate" | "tariff")
                && qualifier.chars().all(char::is_alphabetic)
                && !is_stopword(qualifier)
                && !is_generic(qualifier)
                && !matches!(
                    qualifier,
                    "our" | "your" | "their" | "this" | "that" | "same" | "new" | "current" | "total"
                )
                && !ours(qualifier)
        })
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Whether `text[range]` mentions any term.
    pub(crate) fn mentioned_in(&self, text: &str, range: &Range<usize>) -> bool {
        let Some(slice) = text.get(range.clone()) else { return false };
        let hay = words::words(slice);
        self.terms.iter().any(|term| term.iter().all(|w| mentions(&hay, w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_needs_every_word_of_a_phrase() {
        let terms = Terms::subject(&["standing charge".to_string()]);
        let text = "The standing charge is 53.35p. There's no charge for that.";
        assert!(terms.mentioned_in(text, &(0..30)));
        assert!(!terms.mentioned_in(text, &(31..text.len())));
    }

    #[test]
    fn question_topic_words() {
        let terms = Terms::question("Hi, how long does delivery take?");
        assert!(terms.mentioned_in("Delivery takes 3 days.", &(0..22)));
        assert!(!terms.mentioned_in("How long is it?", &(0..15)));
    }
}
