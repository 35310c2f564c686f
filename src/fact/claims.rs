//! Which words of an answer are the company's claims.
//!
//! An answer holds more than claims: the customer's question restated ("You
//! asked whether it's £20"), quoted customer text, a signature with the
//! switchboard number, a footer ("Calls cost up to 9p per minute", "This
//! email was sent to jane@…"), legal boilerplate and navigation. A value in
//! those is never the company's statement of a fact. [`Reading`] splits an
//! answer into sentences and clauses and marks each as a claim, boilerplate
//! (counts only when it names the fact's subject outright), or not a claim.
//!
//! Invariant: pure and total; every range is a valid slice of the text.

use std::ops::Range;

use once_cell::sync::Lazy;
use regex::Regex;

use super::words;

/// What a sentence is, for reading values in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Standing {
    /// The company's own words.
    Claim,
    /// Footer, signature, legal text, navigation: a value here counts only
    /// when the same clause names the fact's subject.
    Boilerplate,
    /// The customer's words, restated or quoted: never a claim.
    Customer,
}

#[derive(Debug, Clone)]
pub(crate) struct Sentence {
    pub range: Range<usize>,
    pub standing: Standing,
    /// Clause ranges, in order, covering the sentence.
    pub clauses: Vec<Range<usize>>,
    /// Parts that are the customer's words (quotes, "you asked whether …").
    pub customer: Vec<Range<usize>>,
    /// Clauses that are footer or legal text ("calls cost up to 9p per minute").
    pub boilerplate: Vec<Range<usize>>,
    /// The sentence ends with ':' — a heading for what follows.
    pub heading: bool,
    /// After a sign-off, or a navigation line: never the reply, whatever it says.
    pub footer: bool,
}

/// An answer split into sentences and clauses, each with its standing.
#[derive(Debug, Clone)]
pub(crate) struct Reading {
    pub sentences: Vec<Sentence>,
}

/// Footers, legal text and signatures: never the answer to a question.
static BOILERPLATE: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?ix)
        \bcalls?\b[^.\n]{0,60}?(?:\bper\s+minute\b|\ba\s+minute\b|/\s?min\b|\baccess\s+charge|\bstandard\s+(?:national\s+|network\s+|geographic\s+)?rates?\b|\blocal\s+rate\b|\bnetwork\s+(?:charges|extras)\b|\bmay\s+vary\b|\bincluded\s+in\s+(?:your|most)\b|\bfrom\s+(?:mobiles?|landlines?)\b|\bphone\s+company)
        | \bcall\s+charges?\s+(?:apply|may|vary)
        | \b(?:may|might|will)\s+be\s+(?:monitored|recorded)
        | \bthis\s+(?:e-?mail|message)\s+(?:was|is|has\s+been)\s+(?:sent|intended|addressed)
        | \b(?:was|were)\s+sent\s+to\s+\S+@
        | \bregistered\s+(?:in\s+england|in\s+ireland|in\s+scotland|office|company|number|no\b)
        | \bcompany\s+(?:no\b|number|registration)
        | \b(?:authori[sz]ed)\s+(?:and|&)\s+regulated | \bregulated\s+by\s+the\b | \bauthori[sz]ed\s+by\s+the\b
        | \bunsubscribe\b | \bprivacy\s+(?:policy|notice|statement)
        | \bterms\s+(?:and|&)\s+conditions\s+apply | \bcookie\s+(?:policy|settings|preferences)
        | ©|\(c\)\s*20[0-9]{2}|\bcopyright\b | \ball\s+rights\s+reserved
        | \bfollow\s+us\b | \bdo\s+not\s+reply\b | \bdon'?t\s+reply\b | \bno-?reply\b
        | \bvat\s+(?:no|number|reg)
        | \bmanage\s+(?:your\s+)?(?:email\s+)?preferences
        | \bview\s+(?:this\s+)?(?:email\s+)?in\s+(?:your\s+)?browser
        | \bdownload\s+(?:our|the)\s+app\b
        | \bsent\s+from\s+my\s+\w+
        | ^\s*(?:page\s+|article\s+)?(?:last\s+(?:updated|reviewed|modified|edited)\b|(?:updated|published|posted|modified)\s*:)
        | \bamtsgericht\b | \bimpressum\b | \bgesch[äa]ftsf[üu]hrer",
    )
    .expect("valid boilerplate regex")
});

/// The customer's words restated: the clause holding one is theirs.
static RESTATEMENT: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?ix)
        \byou(?:'ve|\s+have)?\s+(?:asked|wrote|written|said|mentioned|queried|enquired|inquired|quoted|suggested)\b
        | \byou\s+(?:wanted\s+to\s+know|were\s+wondering|are\s+wondering|were\s+told|were\s+quoted|saw|read|heard|thought)\b
        | \byou'd\s+like\s+to\s+know\b | \byou\s+would\s+like\s+to\s+know\b
        | \byour\s+(?:question|message|email|e-mail|enquiry|inquiry|query)\s+(?:was|asked|about|mentions|mentioned|says|said)\b
        | \bas\s+you\s+(?:said|mentioned|wrote)\b
        | \bin\s+your\s+(?:message|email|e-mail|question)\b
        | \bwhether\s+it(?:'s|\s+is)\s+(?:true|correct|right)\s+that\b",
    )
    .expect("valid restatement regex")
});

/// A transcript line spoken by the customer.
static CUSTOMER_LINE: Lazy<Regex> =
    Lazy::new(|| Regex::new(r"(?i)^\s*(?:>|customer\s*:|you\s*:|me\s*:|q\s*:|question\s*:)").expect("valid regex"));

/// A sign-off line: what follows it is the signature.
static SIGN_OFF: Lazy<Regex> = Lazy::new(|| {
    Regex::new(
        r"(?i)^\s*(?:kind|best|warm|warmest|many|with\s+kind)?\s*(?:regards|wishes|thanks|thank\s+you)\s*,?\s*$|^\s*(?:cheers|sincerely|yours\s+sincerely|yours\s+faithfully|best|all\s+the\s+best|mit\s+freundlichen\s+gr[üu](?:ß|ss)en|viele\s+gr[üu](?:ß|ss)e)\s*,?\s*$|^\s*--\s*$",
    )
    .expect("valid regex")
});

/// Quoted text: straight or typographic double quotes, German low quotes.
static QUOTED: Lazy<Regex> =
    Lazy::new(|| Regex::new(r#""[^"\n]{1,300}"|“[^”\n]{1,300}”|„[^“”\n]{1,300}[“”]"#).expect("valid regex"));

impl Reading {
    pub(crate) fn new(text: &str) -> Reading {
        let mut sentences = Vec::new();
        let mut signature = false;
        for range in words::sentences(text) {
            let slice = &text[range.clone()];
            let line_start = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[range.start..].find('\n').map_or(text.len(), |i| range.start + i);
            let line = &text[line_start..line_end];
            if SIGN_OFF.is_match(line) {
                signature = true;
            }
            let mut standing = Standing::Claim;
            let footer = signature || is_navigation(line);
            if footer {
                standing = Standing::Boilerplate;
            }
            if CUSTOMER_LINE.is_match(line) {
                standing = Standing::Customer;
            }
            let clauses = clauses(text, range.clone());
            let mut customer: Vec<Range<usize>> =
                clauses.iter().filter(|c| RESTATEMENT.is_match(&text[(*c).clone()])).cloned().collect();
            for quote in QUOTED.find_iter(slice) {
                let q = range.start + quote.start()..range.start + quote.end();
                // A quoted question, or a quote in a restated clause, is the customer's.
                let restated = customer.iter().any(|c| c.start <= q.start && q.start < c.end);
                if quote.as_str().contains('?') || restated || before_says_you(&text[range.start..q.start]) {
                    customer.push(q);
                }
            }
            let mut boilerplate: Vec<Range<usize>> = Vec::new();
            for (i, c) in clauses.iter().enumerate() {
                let clause = &text[c.clone()];
                // "Last updated: 12 November 2026": a boilerplate label's value is boilerplate too.
                let labelled = i > 0
                    && boilerplate.last() == Some(&clauses[i - 1])
                    && text[clauses[i - 1].clone()].trim_end().ends_with(':');
                if labelled || BOILERPLATE.is_match(clause) {
                    boilerplate.push(c.clone());
                }
            }
            if !boilerplate.is_empty() && boilerplate.len() == clauses.len() && standing == Standing::Claim {
                standing = Standing::Boilerplate;
            }
            // A bare link in a footer's paragraph is part of the footer.
            let previous = sentences.last().filter(|p: &&Sentence| p.standing == Standing::Boilerplate);
            if standing == Standing::Claim
                && previous.is_some_and(|p| !text[p.range.end..range.start].contains("\n\n"))
                && bare_links(slice)
            {
                standing = Standing::Boilerplate;
            }
            let heading = slice.trim_end().ends_with(':') || is_title(text, &range, line);
            sentences.push(Sentence { range, standing, clauses, customer, boilerplate, heading, footer });
        }
        Reading { sentences }
    }

    /// The sentence holding byte `at`.
    pub(crate) fn sentence_at(&self, at: usize) -> Option<usize> {
        self.sentences.iter().position(|s| s.range.start <= at && at < s.range.end.max(s.range.start + 1))
    }
}

impl Sentence {
    /// Whether `span` lies in the customer's words.
    pub(crate) fn is_customer(&self, span: &Range<usize>) -> bool {
        self.standing == Standing::Customer || self.customer.iter().any(|c| c.start <= span.start && span.start < c.end)
    }

    /// Whether `span` lies in footer or legal text.
    pub(crate) fn is_boilerplate(&self, span: &Range<usize>) -> bool {
        self.standing == Standing::Boilerplate
            || self.boilerplate.iter().any(|c| c.start <= span.start && span.start < c.end)
    }

    /// The clauses `span` overlaps.
    pub(crate) fn clauses_of(&self, span: &Range<usize>) -> Vec<Range<usize>> {
        self.clauses.iter().filter(|c| c.start < span.end.max(span.start + 1) && span.start < c.end).cloned().collect()
    }
}

/// A line of its own that names what follows: a page's heading, a table's
/// row label, a definition term ("Returns and refunds", "Standing
/// charge"). Short, no sentence punctuation, no figures, and not the last
/// line — a heading has something under it.
fn is_title(text: &str, range: &Range<usize>, line: &str) -> bool {
    let slice = text[range.clone()].trim();
    if slice != line.trim() || text[range.end..].trim().is_empty() {
        return false;
    }
    let words = slice.split_whitespace().count();
    (1..=6).contains(&words)
        && slice.starts_with(|c: char| c.is_uppercase())
        && !slice.ends_with(['.', '!', '?', ',', ';'])
        && !slice.contains(|c: char| c.is_ascii_digit() || "£$€@/".contains(c))
}

/// A sentence that is only web or email addresses (and a word or two).
fn bare_links(slice: &str) -> bool {
    let links: Vec<Range<usize>> =
        super::url::extract(slice).into_iter().chain(super::email::extract(slice)).map(|f| f.span).collect();
    if links.is_empty() {
        return false;
    }
    let rest =
        words::words(slice).into_iter().filter(|(r, _)| !links.iter().any(|l| l.start <= r.start && r.start < l.end));
    rest.count() <= 2
}

/// "You wrote “…”": a quote just after the customer is named.
fn before_says_you(before: &str) -> bool {
    let tail: Vec<String> = words::words(before).into_iter().rev().take(4).map(|(_, w)| w).collect();
    tail.iter().any(|w| matches!(w.as_str(), "wrote" | "asked" | "said" | "mentioned" | "asking" | "saying"))
}

/// "Home | Broadband | Help | Contact us": three or more short items
/// separated by bars, bullets or chevrons.
fn is_navigation(line: &str) -> bool {
    let items: Vec<&str> = line.split(['|', '·', '•', '›', '»']).map(str::trim).filter(|s| !s.is_empty()).collect();
    items.len() >= 3 && items.iter().all(|i| i.split_whitespace().count() <= 4)
}

/// Splits a sentence into clauses at commas, semicolons, colons, dashes set
/// off by spaces, and "but"/"however"/"whereas"/"while"/"although".
fn clauses(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let slice = &text[range.clone()];
    let mut cuts = vec![0];
    let bytes = slice.as_bytes();
    for (i, c) in slice.char_indices() {
        let cut = match c {
            ',' | ';' => {
                // "1,299" is one number.
                let digit_around = i > 0
                    && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
                !digit_around
            }
            ':' => {
                !(i > 0
                    && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                    && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
            }
            '—' => true,
            '–' | '-' => {
                slice[..i].ends_with(' ') && slice[i + c.len_utf8()..].starts_with(' ') && !between_numbers(slice, i)
            }
            _ => false,
        };
        if cut {
            cuts.push(i + c.len_utf8());
        }
    }
    for (r, w) in words::words(slice) {
        if matches!(w.as_str(), "but" | "however" | "whereas" | "while" | "although" | "though") {
            cuts.push(r.start);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    for (i, &start) in cuts.iter().enumerate() {
        let end = cuts.get(i + 1).copied().unwrap_or(slice.len());
        if end > start {
            out.push(range.start + start..range.start + end);
        }
    }
    if out.is_empty() {
        out.push(range);
    }
    out
}

/// "8am - 8pm", "9 – 5": a spaced dash between times is a range, not a break.
fn between_numbers(slice: &str, i: usize) -> bool {
    let before = slice[..i].trim_end();
    let after = slice[i..].trim_start_matches(['–', '-']).trim_start();
    let before_num = before.ends_with(|c: char| c.is_ascii_digit())
        || before.to_ascii_lowercase().ends_with("am")
        || before.to_ascii_lowercase().ends_with("pm")
        || before.ends_with('.');
    let after_num = after.starts_with(|c: char| c.is_ascii_digit() || "£$€".contains(c));
    before_num && after_num
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers_restatements_and_quotes_are_not_claims() {
        let text = "You asked whether it's £20, but it is £25 a month.\nCalls cost up to 9p per minute.\nYou wrote \"is it £20?\" and we said no.";
        let reading = Reading::new(text);
        assert_eq!(reading.sentences[1].standing, Standing::Boilerplate);
        let nine = text.find("9p").unwrap();
        assert!(reading.sentences[1].is_boilerplate(&(nine..nine + 2)));
        let first = &reading.sentences[0];
        let twenty = text.find("£20").unwrap();
        assert!(first.is_customer(&(twenty..twenty + 3)));
        let twenty_five = text.find("£25").unwrap();
        assert!(!first.is_customer(&(twenty_five..twenty_five + 3)));
        let quoted = text.rfind("£20").unwrap();
        assert!(reading.sentences[2].is_customer(&(quoted..quoted + 3)));
    }

    #[test]
    fn signature_after_sign_off() {
        let text = "Your refund will arrive in 5 days.\nKind regards,\nSam\n0800 123 4567";
        let reading = Reading::new(text);
        assert_eq!(reading.sentences[0].standing, Standing::Claim);
        assert_eq!(reading.sentences.last().unwrap().standing, Standing::Boilerplate);
    }
}
