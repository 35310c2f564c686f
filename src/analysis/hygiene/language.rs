//! Language: an answer in another language than the customer's (a French
//! template sent to an English customer). The expected language is the
//! persona's `locale` ("en-GB" → English); detection is `whatlang`'s
//! trigram model. Low severity, and cautious: answers under
//! `language_min_words` words are never judged, and only a detection
//! whatlang itself calls reliable counts.

use super::Hit;
use crate::verdict::Severity;
use whatlang::Lang;

/// Answers shorter than this are never judged (unless configured).
pub const MIN_WORDS: u32 = 8;

/// ISO 639-1 (two letters, as BCP 47 writes most languages) to whatlang's
/// ISO 639-3.
const TWO_TO_THREE: &[(&str, &str)] = &[
    ("en", "eng"),
    ("fr", "fra"),
    ("de", "deu"),
    ("es", "spa"),
    ("it", "ita"),
    ("pt", "por"),
    ("nl", "nld"),
    ("pl", "pol"),
    ("sv", "swe"),
    ("da", "dan"),
    ("fi", "fin"),
    ("nb", "nob"),
    ("no", "nob"),
    ("ru", "rus"),
    ("uk", "ukr"),
    ("tr", "tur"),
    ("ja", "jpn"),
    ("zh", "cmn"),
    ("ar", "ara"),
    ("hi", "hin"),
    ("ko", "kor"),
    ("cs", "ces"),
    ("sk", "slk"),
    ("hu", "hun"),
    ("ro", "ron"),
    ("el", "ell"),
    ("he", "heb"),
    ("bg", "bul"),
    ("hr", "hrv"),
    ("sr", "srp"),
    ("sl", "slv"),
    ("lt", "lit"),
    ("lv", "lav"),
    ("et", "est"),
    ("cy", "cym"),
    ("id", "ind"),
    ("vi", "vie"),
    ("th", "tha"),
    ("af", "afr"),
    ("ca", "cat"),
    ("eo", "epo"),
];

/// The language a BCP 47 locale names, when whatlang can detect it.
pub fn lang_of(locale: &str) -> Option<Lang> {
    let primary = locale.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    match primary.len() {
        2 => TWO_TO_THREE.iter().find(|(two, _)| *two == primary).and_then(|(_, three)| Lang::from_code(*three)),
        3 => Lang::from_code(primary),
        _ => None,
    }
}

/// A hit spanning the answer when it is reliably in another language than
/// `expected`.
pub fn find(text: &str, expected: Lang, min_words: u32) -> Option<Hit> {
    let words = text.split_whitespace().filter(|w| w.chars().any(char::is_alphabetic)).count();
    if words < min_words.max(1) as usize {
        return None;
    }
    let common = without_names(text);
    if common.split_whitespace().count() < 4 {
        return None;
    }
    let info = whatlang::detect(&common)?;
    if !info.is_reliable() || info.lang() == expected {
        return None;
    }
    let trimmed = text.trim();
    let start = text.len() - text.trim_start().len();
    let what = format!("an answer in {} (the customer's language is {})", info.lang().eng_name(), expected.eng_name());
    Some(Hit::new(start..start + trimmed.len(), what, Severity::Low))
}

/// The text without capitalised words inside a sentence: names of places,
/// products and people ("Zürich, München, Düsseldorf and Málaga") say
/// nothing about the language the answer is written in.
fn without_names(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut sentence_start = true;
    for word in text.split_whitespace() {
        let name = !sentence_start && word.chars().next().is_some_and(char::is_uppercase);
        if !name {
            out.push_str(word);
            out.push(' ');
        }
        sentence_start = word.ends_with(['.', '!', '?', ':']);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales() {
        assert_eq!(lang_of("en-GB"), Some(Lang::Eng));
        assert_eq!(lang_of("fr"), Some(Lang::Fra));
        assert_eq!(lang_of("deu-CH"), Some(Lang::Deu));
        assert_eq!(lang_of("x-klingon"), None);
    }

    #[test]
    fn another_language() {
        let fr = "Vous pouvez retourner votre routeur dans les trente jours suivant la livraison pour un remboursement complet.";
        assert!(find(fr, Lang::Eng, MIN_WORDS).is_some());
        let de = "Sie können Ihren Router innerhalb von dreißig Tagen nach der Lieferung zurückgeben und erhalten eine volle Rückerstattung.";
        assert!(find(de, Lang::Eng, MIN_WORDS).is_some(), "German nouns are capitalised, the rest still reads German");
    }

    #[test]
    fn english_answers_and_short_ones_are_fine() {
        for text in [
            // unseen_airline: place names are not the answer's language.
            "We fly to Zürich, München, Düsseldorf, Köln and Málaga from London Gatwick every day.",
            "You can return it within thirty days of delivery for a full refund.",
            "Our broadband costs £29.99 a month, and there's no setup fee.",
            "You can call us on 0800 123 4567 or email help@acme-broadband.example.",
            "Customer Care is open Monday to Friday, 08:00–20:00.",
            "Merci beaucoup, à bientôt !",
            "Acme Fibre costs £29.99/mo. There is no setup fee.",
            "Renew at the end of your contract and get a 10 percent loyalty discount. Renewed contracts last 18 months.",
        ] {
            assert!(find(text, Lang::Eng, MIN_WORDS).is_none(), "{text}");
        }
    }
}
