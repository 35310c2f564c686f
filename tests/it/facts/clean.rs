//! Cleaning answers: what is not the company's answer is never read.

use touchpoint::analysis::clean::{self, clean, AnswerFormat};
use touchpoint::fact::{self, FactKind, Locale};

use super::support::spec;

fn phones(text: &str) -> Vec<String> {
    fact::extract(&spec(FactKind::Phone), text, &Locale::default()).into_iter().map(|f| f.value.display()).collect()
}

const PAGE: &str = r#"<html><head><title>Help</title><style>.x{color:red}</style>
<script>var phone = "0800 999 9999";</script></head>
<body><nav>Home &amp; Help</nav><header>Call 0800 111 1111</header>
<main><article class="answer"><h1>Refunds</h1><p>You have <b>30&nbsp;days</b> to return your router.</p>
<p>Call us on 0800 123 4567.</p></article>
<aside class="related">Related: pricing</aside></main>
<footer>Switchboard 0800 222 2222</footer></body></html>"#;

#[test]
fn html_keeps_the_region_and_drops_chrome() {
    let text = clean::html_to_text(PAGE, Some("article.answer"));
    assert_eq!(text, "Refunds\n\nYou have 30 days to return your router.\n\nCall us on 0800 123 4567.");
    assert_eq!(phones(&text), ["+44 800 123 4567"]);
}

#[test]
fn html_without_region_drops_script_nav_header_footer() {
    let text = clean::html_to_text(PAGE, None);
    assert!(!text.contains("0800 999 9999") && !text.contains("var phone"), "{text}");
    assert_eq!(phones(&text), ["+44 800 123 4567"], "footer and header numbers are not read: {text}");
    assert!(text.contains("Related: pricing"));
}

#[test]
fn html_region_that_matches_nothing_falls_back_to_main() {
    let text = clean::html_to_text(PAGE, Some("#no-such-thing"));
    assert!(text.starts_with("Refunds"), "{text}");
    assert_eq!(phones(&text), ["+44 800 123 4567"]);
    let text = clean::html_to_text(PAGE, Some("<<not css>>"));
    assert!(text.starts_with("Refunds"), "{text}");
}

#[test]
fn html_script_never_appears() {
    let html = "<p>Hi</p><script>alert('0800 999 9999')</script><p>Bye</p>";
    for region in [None, Some("p"), Some("script"), Some("body")] {
        let text = clean::html_to_text(html, region);
        assert!(!text.contains("alert"), "{region:?}: {text}");
    }
}

#[test]
fn email_drops_quotes_and_signature() {
    let body = "Hi Sam,\n\nYour refund window is 30 days.\n\nKind regards,\nAlex\nAcme Support\nTel: 0800 999 9999\n\nOn Mon, 1 Mar 2027 at 10:00, Sam <sam@example.com> wrote:\n> Is it 14 days? Call me on 07700 900123\n";
    let text = clean::strip_email_quotes_and_signature(body);
    assert_eq!(text, "Hi Sam,\n\nYour refund window is 30 days.");
}

#[test]
fn email_cuts_at_markers() {
    for (body, kept) in [
        ("Yes, 30 days.\n-- \nAlex, 0800 999 9999", "Yes, 30 days."),
        ("Yes, 30 days.\n--\nAlex", "Yes, 30 days."),
        ("30 days.\n-----Original Message-----\nFrom: Sam\n14 days?", "30 days."),
        ("30 days.\n---------- Forwarded message ----------\nFrom: x", "30 days."),
        ("30 days.\nFrom: Sam <sam@example.com>\nSent: Monday\nSubject: refund", "30 days."),
        ("30 days.\n> 14 days?\nAnything else?", "30 days.\nAnything else?"),
        ("On Monday, Sam wrote:\n> 14 days?", ""),
        ("30 days.\nOn Mon, 1 Mar 2027, Sam <sam@example.com>\nwrote:\n> 14 days?", "30 days."),
        ("30 days.\nSent from my iPhone", "30 days."),
    ] {
        assert_eq!(clean::strip_email_quotes_and_signature(body), kept, "{body:?}");
    }
}

#[test]
fn email_sign_off_before_a_real_answer_is_kept() {
    let body = "Hi Sam,\nThanks,\nI checked with the team and the refund window for routers bought online is 30 days from delivery, not 14.\nBest,\nAlex";
    let text = clean::strip_email_quotes_and_signature(body);
    assert!(text.contains("30 days from delivery"), "{text}");
    assert!(!text.contains("Alex"), "{text}");
}

#[test]
fn signature_phone_is_not_read() {
    let body = "Our helpline is open 8am-8pm.\n\nBest regards,\nAcme Support\n0800 999 9999";
    let cleaned = clean(body, AnswerFormat::Email, None, "What are your hours?");
    assert!(phones(&cleaned.text).is_empty(), "{}", cleaned.text);
}

#[test]
fn html_email_drops_gmail_quote() {
    let body = "<div>It is 30 days.</div><div class=\"gmail_quote\">On Mon, Sam wrote:<blockquote>Is it 14 days?</blockquote></div>";
    let cleaned = clean(body, AnswerFormat::Email, None, "");
    assert_eq!(cleaned.text, "It is 30 days.");
}

#[test]
fn echoed_customer_words_are_not_read() {
    let question = "Hi, is it 14 days to return my router?";
    let answer = "You asked: 'is it 14 days to return my router?' Our policy is 30 days.";
    let cleaned = clean(answer, AnswerFormat::Text, None, question);
    assert_eq!(cleaned.text, "Our policy is 30 days.");
    let found = fact::extract(&spec(FactKind::Duration), &cleaned.text, &Locale::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].excerpt, "30 days");
}

#[test]
fn echo_forms() {
    let question = "Can I return my router within 14 days of delivery?";
    for (answer, kept) in [
        // The whole message verbatim.
        ("Can I return my router within 14 days of delivery? Yes — you have 30 days.", "Yes — you have 30 days."),
        // A quoted fragment of four or more words.
        ("Regarding \u{201c}within 14 days of delivery\u{201d}: you have 30 days.", "Regarding : you have 30 days."),
        // "You asked" and four of the customer's words in a row.
        ("You asked whether you can return my router within 14 days. It is 30 days.", "It is 30 days."),
        // Short shared phrases are not echoes.
        (
            "You can return your router within 30 days of delivery.",
            "You can return your router within 30 days of delivery.",
        ),
    ] {
        assert_eq!(clean::remove_echo(answer, question).trim(), kept, "{answer}");
    }
    assert_eq!(clean::remove_echo("Hi there", ""), "Hi there");
}

#[test]
fn text_format_only_removes_echo() {
    let cleaned = clean("Line one.\r\nLine   two.", AnswerFormat::Text, None, "");
    assert_eq!(cleaned.text, "Line one.\nLine two.");
    assert_eq!(serde_json::to_string(&AnswerFormat::Html).unwrap(), "\"html\"");
    assert_eq!(AnswerFormat::default(), AnswerFormat::Text);
}

/// A help-centre page read by a CSS selector (`text = { css = … }`) was
/// read as HTML a second time in analysis, which ran its headings, table
/// rows and list items into one line: the sports-equipment price sat in
/// one sentence with "Checked bag" and was judged the bag fee. Its lines
/// are kept, and a short heading still anchors the sentences under it.
#[test]
fn help_centre_text_read_by_a_selector_keeps_its_rows_apart() {
    use touchpoint::fact::{judge_asked, parse_expected, FactSpec, Judgement};
    let page = "<article class=\"help\"><h1>Fees</h1><table>\
        <tr><th>Checked bag</th><td>£25.00</td></tr>\
        <tr><th>Sports equipment (per item)</th><td>£45.00</td></tr></table>\
        <h2>Returns and refunds</h2><p>You can send it back within 30 days.</p>\
        <dl><dt>Standing charge</dt><dd>53.35p per day</dd><dt>Unit rate</dt><dd>24.50p per kWh</dd></dl></article>";
    let selected = clean::html_to_text(page, Some("article.help"));
    let text = clean(&selected, AnswerFormat::Html, Some("article.help"), "How much is a checked bag?").text;
    assert!(text.lines().any(|l| l == "Checked bag £25.00"), "rows stay lines: {text:?}");
    let judged = |value: &str, kind: FactKind, label: &str| {
        let spec = FactSpec { subject: vec![label.to_string()], ..spec(kind) };
        let expected = parse_expected(&spec, value, &Locale::default()).unwrap();
        judge_asked(&expected, &spec, &text, "", &Locale::default())
    };
    assert!(matches!(judged("£25", FactKind::Money, "checked bag"), Judgement::Correct { .. }));
    assert!(matches!(judged("£45", FactKind::Money, "sports equipment"), Judgement::Correct { .. }));
    assert!(
        matches!(judged("30 days", FactKind::Duration, "refunds"), Judgement::Correct { .. }),
        "the heading anchors"
    );
    assert!(matches!(judged("53.35p per day", FactKind::Money, "standing charge"), Judgement::Correct { .. }));
    assert!(matches!(judged("24.50p per kWh", FactKind::Money, "unit rate"), Judgement::Correct { .. }));
}
