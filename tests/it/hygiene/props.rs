//! Random text in, no panic, and every span a valid slice of the text it
//! points into.

use proptest::prelude::*;
use touchpoint::analysis::clean::AnswerFormat;
use touchpoint::analysis::hygiene::fallback::Phrases;
use touchpoint::analysis::hygiene::leak::Owners;
use touchpoint::analysis::hygiene::{self, cut_off, Reply, Settings, Source};
use touchpoint::fact::Locale;
use touchpoint::suite::hygiene::HygieneSettings;
use touchpoint::suite::Persona;

/// Text built from fragments every detector reacts to, mixed with noise.
fn replyish() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        Just("{{first_name}}".to_string()),
        Just("{name}".to_string()),
        Just("${x}".to_string()),
        Just("%s".to_string()),
        Just("%(n)s".to_string()),
        Just("[CUSTOMER_NAME]".to_string()),
        Just("<FIRST_NAME>".to_string()),
        Just(" undefined".to_string()),
        Just(" is null".to_string()),
        Just("£NaN".to_string()),
        Just("[object Object]".to_string()),
        Just("None".to_string()),
        Just("{\"a\": 1}".to_string()),
        Just("Traceback (most recent call last):\n".to_string()),
        Just("  at f (a.js:1:2)\n".to_string()),
        Just("502 Bad Gateway".to_string()),
        Just("Ã©â€™Â£\u{fffd}".to_string()),
        Just("<script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("javascript:x".to_string()),
        Just("<b>".to_string()),
        Just("Jane Doe".to_string()),
        Just("jane@example.com".to_string()),
        Just("AC-100234".to_string()),
        Just("07700 900123".to_string()),
        Just("didn't understand".to_string()),
        Just("\n> ".to_string()),
        Just("On Mon, J wrote:\n".to_string()),
        Just("£29.".to_string()),
        Just("(".to_string()),
        Just("é".to_string()),
        Just("🙂".to_string()),
        Just("İ".to_string()),
        "[ .,:;/()+\\-–'\"%£$€<>{}\\[\\]]{1,3}",
        "\\PC{0,8}",
        any::<String>(),
    ];
    prop::collection::vec(fragment, 0..14).prop_map(|parts| parts.concat())
}

fn personas() -> Vec<Persona> {
    let text = r#"
        [[personas]]
        id = "jane"
        name = "Jane Doe"
        email = "jane@example.com"
        vars = { phone = "07700 900123" }
        [[personas]]
        id = "raj"
        name = "Raj Patel"
        email = "raj@example.com"
        vars = { account = "AC-100234" }
    "#;
    #[derive(serde::Deserialize)]
    struct File {
        personas: Vec<Persona>,
    }
    toml::from_str::<File>(text).expect("personas").personas
}

fn valid(text: &str, span: &std::ops::Range<usize>) -> bool {
    span.start <= span.end && text.get(span.clone()).is_some()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn detectors_never_panic_and_spans_are_char_boundaries(raw in replyish(), cleaned in replyish(), message in replyish()) {
        let settings = Settings::resolve(&HygieneSettings::default(), "chat");
        let locale = Locale { currency: "GBP".into(), country_code: "44".into() };
        for format in [AnswerFormat::Text, AnswerFormat::Email, AnswerFormat::Html] {
            let reply = Reply { raw: &raw, cleaned: &cleaned, format, region: Some("main"), message: &message };
            let scan = hygiene::scan(&reply, &settings, &[], &locale, Some(whatlang::Lang::Eng));
            for f in &scan.found {
                let text = match f.source {
                    Source::Raw => raw.as_str(),
                    Source::Cleaned => cleaned.as_str(),
                    Source::Region => scan.region.as_deref().unwrap_or(""),
                };
                prop_assert!(valid(text, &f.hit.span), "{:?} {:?} in {:?}", f.kind, f.hit.span, text);
            }
        }
        let mut owners = Owners::from_personas(&personas());
        owners.captured("jane", "case_ref", &message);
        for leak in owners.find(&raw, "sam", &[]) {
            prop_assert!(valid(&raw, &leak.span));
        }
        if let Some(hit) = cut_off::find(&raw) {
            prop_assert!(valid(&raw, &hit.span));
        }
        if let Some(hit) = Phrases::new(true, std::slice::from_ref(&message)).find(&raw) {
            prop_assert!(valid(&raw, &hit.span));
        }
    }
}
