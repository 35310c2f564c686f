//! Property tests: nothing here panics on any input, and every span is a
//! valid slice whose text is the excerpt.

use proptest::prelude::*;
use touchpoint::analysis::clean::{self, clean, AnswerFormat};
use touchpoint::fact::{self, FactKind, FactSpec, Locale};

/// Text built from fragments that exercise the parsers, mixed with noise.
fn answerish() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("£29.99".to_string()),
        Just("99999999999999999999 days".to_string()),
        Just(" per month".to_string()),
        Just("0800 123 4567".to_string()),
        Just("+44 (0)".to_string()),
        Just("Mon–Fri 8am–8pm".to_string()),
        Just("24/7".to_string()),
        Just("5%".to_string()),
        Just("1 March 2027".to_string()),
        Just("31/02/2027".to_string()),
        Just("https://ACME.com/".to_string()),
        Just("a@b.co".to_string()),
        Just("twenty-nine".to_string()),
        Just("isn't free".to_string()),
        Just("'quoted words here now'".to_string()),
        Just("<p>".to_string()),
        Just("</script>".to_string()),
        Just("\n-- \n".to_string()),
        Just("> ".to_string()),
        Just("£".to_string()),
        Just("–".to_string()),
        Just("İ".to_string()),
        Just("🙂".to_string()),
        "[0-9]{1,25}",
        "[ .,:;/()+\\-–'\"%£$€]{1,3}",
        "\\PC{0,8}",
        any::<String>(),
    ];
    prop::collection::vec(fragment, 0..12).prop_map(|parts| parts.concat())
}

fn spec(kind: FactKind) -> FactSpec {
    FactSpec { keywords: vec!["installation".into(), "free".into()], ..FactSpec::new(kind) }
}

proptest! {
    #[test]
    fn extract_never_panics_and_spans_are_excerpts(text in answerish()) {
        for locale in [Locale::default(), Locale { currency: "USD".into(), country_code: "1".into() }] {
            for kind in FactKind::ALL {
                for found in fact::extract(&spec(kind), &text, &locale) {
                    let slice = text.get(found.span.clone());
                    prop_assert_eq!(slice, Some(found.excerpt.as_str()), "{} in {:?}", kind, text);
                    prop_assert_eq!(found.value.kind(), kind);
                }
            }
        }
    }

    #[test]
    fn parse_expected_and_judge_never_panic(text in answerish()) {
        let locale = Locale::default();
        for kind in FactKind::ALL {
            if let Ok(value) = fact::parse_expected(&spec(kind), &text, &locale) {
                prop_assert_eq!(value.kind(), kind);
                let _ = value.display();
                let _ = fact::judge(&value, &spec(kind), &text, &locale);
            }
        }
    }

    #[test]
    fn clean_never_panics(body in answerish(), question in answerish(), region in "\\PC{0,6}") {
        for format in [AnswerFormat::Text, AnswerFormat::Html, AnswerFormat::Email] {
            let _ = clean(&body, format, Some(&region), &question);
            let _ = clean(&body, format, None, &question);
        }
        let _ = clean::remove_echo(&body, &question);
    }
}
