//! One table per fact kind: forms that must agree, near misses that must not.

use touchpoint::fact::{self, FactKind, FactValue, Locale};

use super::support::{assert_agree, assert_differ, assert_none, expected, spec};

#[test]
fn money_forms_agree() {
    assert_agree(
        FactKind::Money,
        "£29.99 per month",
        &[
            "It's £29.99 a month.",
            "The price is 29.99 GBP per month",
            "Only £29.99/mo!",
            "£29.99 monthly",
            "GBP 29.99 pcm",
            "The monthly price is £29.99.",
            "You pay £29.99.",
            "twenty-nine pounds ninety-nine a month",
        ],
    );
    assert_agree(FactKind::Money, "£1,299", &["That model is £1299.00.", "It costs 1,299 pounds"]);
    assert_agree(FactKind::Money, "99p", &["Calls cost £0.99", "It's 99 pence"]);
    assert_agree(FactKind::Money, "29.99", &["£29.99"]);
    assert_agree(FactKind::Money, "€29,99", &["29.99 EUR", "29,99 €"]);
}

#[test]
fn money_near_misses_differ() {
    assert_differ(FactKind::Money, "£29.99 per month", &["It's £39.99 a month.", "£29.99 per year", "$29.99 a month"]);
    assert_differ(FactKind::Money, "£29.99", &["£29.90", "£2,999"]);
    assert_none(FactKind::Money, &["Call us at 10 p.m.", "Version 29.99", "5 people", "twenty-nine ninety-nine"]);
}

#[test]
fn money_display_is_canonical() {
    assert_eq!(expected(FactKind::Money, "29.99 GBP per month").display(), "£29.99 per month");
    assert_eq!(expected(FactKind::Money, "£1299").display(), "£1,299");
    assert_eq!(expected(FactKind::Money, "£50 one-off").display(), "£50 one-off");
    assert_eq!(expected(FactKind::Money, "CHF 10").display(), "CHF 10");
}

#[test]
fn duration_forms_agree() {
    assert_agree(FactKind::Duration, "30 days", &["thirty days", "within 30 days", "a 30-day window", "30days"]);
    assert_agree(FactKind::Duration, "14 days", &["two weeks", "a fortnight", "Fourteen days"]);
    assert_agree(FactKind::Duration, "1 day", &["24 hours", "24hrs", "within a day"]);
    assert_agree(FactKind::Duration, "1 year", &["12 months", "twelve months"]);
    assert_agree(FactKind::Duration, "5 working days", &["five business days", "1 working week"]);
    assert_agree(FactKind::Duration, "90 minutes", &["1.5 hours"]);
}

#[test]
fn duration_near_misses_differ() {
    assert_differ(FactKind::Duration, "14 days", &["30 days", "14 working days", "2 months"]);
    // Months are not days: "a month" in February is not 30 days.
    assert_differ(FactKind::Duration, "30 days", &["1 month", "31 days"]);
    assert_differ(FactKind::Duration, "5 working days", &["5 days"]);
    assert_none(FactKind::Duration, &["99999999999999999999 days", "1.5 working days", "dayz"]);
}

#[test]
fn duration_display() {
    for (map, shown) in [
        // Shown in the unit written: "12 months" is not re-worded as "1 year".
        ("2 weeks", "2 weeks"),
        ("48 hours", "48 hours"),
        ("12 months", "12 months"),
        ("1 year", "1 year"),
        ("1 working day", "1 working day"),
        ("90 mins", "90 minutes"),
    ] {
        assert_eq!(expected(FactKind::Duration, map).display(), shown, "{map}");
    }
}

#[test]
fn phone_forms_agree() {
    assert_agree(
        FactKind::Phone,
        "0800 123 4567",
        &[
            "Call +44 800 123 4567",
            "Call +44 (0)800 123 4567 any time",
            "Ring 0044 800 1234567.",
            "Tel: 08001234567",
            "phone 0800-123-4567",
            "(0800) 123 4567",
        ],
    );
    assert_eq!(expected(FactKind::Phone, "0800 123 4567").display(), "+44 800 123 4567");
    assert_eq!(expected(FactKind::Phone, "020 7946 0000").display(), "+44 20 7946 0000");
}

#[test]
fn phone_near_misses_differ() {
    assert_differ(FactKind::Phone, "0800 123 4567", &["Call 0800 123 4568", "+1 800 123 4567"]);
    assert_none(
        FactKind::Phone,
        &[
            "It's due on 01/03/2027",
            "Due 2027-03-01",
            "It costs £29.99 or £1,234.56",
            "Your case number is 01234567890",
            "Order #0800123456",
            "Reference: 0800 123 4567",
            "We have 12345 customers",
            "Open 9-5",
        ],
    );
}

#[test]
fn hours_forms_agree() {
    assert_agree(
        FactKind::Hours,
        "Mon–Fri 8am–8pm",
        &[
            "We're open Monday to Friday, 08:00–20:00.",
            "weekdays 8am to 8pm",
            "8am-8pm Mon-Fri",
            "Our lines are open from 8 a.m. until 8 p.m., Monday through Friday",
            "Mon - Fri: 8-8",
        ],
    );
    assert_agree(
        FactKind::Hours,
        "Mon–Fri 8am–8pm, Sat 9am–5pm",
        &[
            "Monday to Friday 8am-8pm and Saturday 9am-5pm",
            "Mon-Fri 08:00-20:00; Sat 09:00-17:00; Sunday closed",
            "Weekdays we're open 8am to 8pm. On Saturdays it's 9am to 5pm.",
        ],
    );
    assert_agree(FactKind::Hours, "24/7", &["We're open 24 hours, 7 days a week"]);
    assert_agree(FactKind::Hours, "Mon-Fri 9-5", &["Monday to Friday 9am to 5pm"]);
    assert_agree(FactKind::Hours, "Sat 1pm-5pm", &["Saturday 1-5pm"]);
    assert_agree(FactKind::Hours, "Mon-Fri 9am-5pm", &["Open 9 till 5 on weekdays", "9:00am–5:00pm Monday–Friday"]);
    assert_agree(FactKind::Hours, "daily 8am-8pm", &["We're open from 8am to 8pm."]);
}

#[test]
fn hours_near_misses_differ() {
    assert_differ(FactKind::Hours, "Mon–Fri 8am–8pm", &["Mon–Fri 8am–6pm", "Mon-Sat 8am-8pm", "Mon–Fri 9am–8pm"]);
    assert_differ(FactKind::Hours, "Mon–Fri 8am–8pm, Sat 9am–5pm", &["Mon–Fri 8am–8pm, Sat 9am–1pm"]);
    assert_none(FactKind::Hours, &["It costs £29.99", "Call 0800 123 4567", "Back in 5-10 days"]);
}

#[test]
fn hours_display() {
    let shown = expected(FactKind::Hours, "weekdays 8am to 8pm, Sat 9-5").display();
    assert_eq!(shown, "Mon–Fri 08:00–20:00, Sat 09:00–17:00");
    assert_eq!(expected(FactKind::Hours, "24/7").display(), "24/7");
    assert_eq!(expected(FactKind::Hours, "Mon 9am-12pm and 1pm-5pm").display(), "Mon 09:00–12:00 & 13:00–17:00");
}

#[test]
fn percent_forms_agree() {
    assert_agree(FactKind::Percent, "5%", &["5 percent", "five per cent", "a 5% discount", "5.0%"]);
    assert_agree(FactKind::Percent, "2.5%", &["2.5 per cent", "2.50%"]);
    assert_differ(FactKind::Percent, "5%", &["15%", "0.5%", "50 percent"]);
    assert_eq!(expected(FactKind::Percent, "2.50%").display(), "2.5%");
}

#[test]
fn date_forms_agree() {
    assert_agree(
        FactKind::Date,
        "1 March 2027",
        &["2027-03-01", "March 1st, 2027", "on 01/03/2027", "1st of March 2027", "Mon 1 Mar 2027"],
    );
    assert_differ(FactKind::Date, "1 March 2027", &["2 March 2027", "03/01/2027", "1 March 2026"]);
    assert_none(FactKind::Date, &["1 March", "31/02/2027", "2027-13-01"]);
    assert_eq!(expected(FactKind::Date, "2027-03-01").display(), "1 March 2027");
}

#[test]
fn dates_are_month_first_in_north_america() {
    let us = Locale { currency: "USD".into(), country_code: "1".into() };
    let found = fact::extract(&spec(FactKind::Date), "03/01/2027", &us);
    assert_eq!(found[0].value, FactValue::Date(chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap()));
}

#[test]
fn url_and_email_forms_agree() {
    assert_agree(
        FactKind::Url,
        "https://acme.com/returns",
        &["See HTTPS://WWW.Acme.com/returns/", "at acme.com/returns.", "http://acme.com/returns#policy"],
    );
    assert_differ(
        FactKind::Url,
        "https://acme.com/returns",
        &["https://acme.com/refunds", "https://acme.co.uk/returns"],
    );
    assert_none(FactKind::Url, &["write to help@acme.com", "e.g. this", "£29.99"]);
    assert_agree(FactKind::Email, "help@acme.com", &["Email Help@ACME.com today", "help@acme.com."]);
    assert_differ(FactKind::Email, "help@acme.com", &["support@acme.com"]);
}

#[test]
fn kinds_have_names_and_round_trip() {
    for kind in FactKind::ALL {
        assert_eq!(kind.name().parse::<FactKind>(), Ok(kind));
        assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{}\"", kind.name()));
    }
    assert_eq!("yes/no".parse::<FactKind>(), Ok(FactKind::YesNo));
    assert!("colour".parse::<FactKind>().unwrap_err().contains("money"));
}

#[test]
fn bad_map_values_explain_and_hint() {
    let err = fact::parse_expected(&spec(FactKind::Duration), "30 dayz", &Locale::default()).unwrap_err();
    assert_eq!(err, "`30 dayz` is not a duration; write e.g. `30 days`, `2 weeks` or `5 working days`");
    for kind in FactKind::ALL {
        assert!(fact::parse_expected(&spec(kind), "  ", &Locale::default()).is_err(), "{kind}");
    }
    let err = fact::parse_expected(&spec(FactKind::Money), "£5 or £6", &Locale::default()).unwrap_err();
    assert!(err.contains("more than one"), "{err}");
}
