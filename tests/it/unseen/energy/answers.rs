//! What Brightwater Energy says, channel by channel: every fact stated
//! correctly in the phrasings British utilities use (pence and kilowatt
//! hours, "a fortnight", "half the standard unit rate", hours in a table,
//! German hours for the German-speaking line, a yes said as "without paying
//! a penny"), except the defects planted on purpose (marked `PLANTED`).

/// The questions of `scenarios/recipes/direct-line`, recognised by a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Tariff,
    Switching,
    Contact,
    Ev,
    Complaint,
    Other,
}

pub fn topic(message: &str) -> Topic {
    let m = message.to_lowercase();
    if m.contains("standing charge") {
        Topic::Tariff
    } else if m.contains("switch") {
        Topic::Switching
    } else if m.contains("phone") {
        Topic::Contact
    } else if m.contains("overnight") {
        Topic::Ev
    } else if m.contains("complaint") {
        Topic::Complaint
    } else {
        Topic::Other
    }
}

/// The account numbers the personas hold (`personas.toml`).
pub const ALICE_ACCOUNT: &str = "BW-4417-2290";

/// The chat bot's greeting when a conversation starts: today's date, a
/// number that is not the helpline, a promise that is not an answer.
pub fn chat_greeting() -> &'static str {
    "Good morning, it's Tuesday 1 December 2026. I'm Sparky, Brightwater's assistant: I usually reply in under 2 minutes. \
     For a power cut, call 105."
}

/// What the bot says at once while it looks the answer up (its first
/// message; the answer follows in a later poll).
pub fn holding(first_name: &str) -> String {
    format!("Thanks {first_name}! Let me check that for you…")
}

/// The bot's answer. Jonas is a member: the bot pulls up an account first.
pub fn chat(topic: Topic, persona: &str) -> String {
    match topic {
        Topic::Tariff => {
            let lead = if persona == "Jonas Weber" {
                // PLANTED: another customer's account number (Alice's).
                format!("I can see account {ALICE_ACCOUNT} is on Fixed Saver. ")
            } else {
                String::new()
            };
            format!(
                "{lead}On Fixed Saver the standing charge is 53.35 pence a day, and each kWh of electricity costs 24.5p. \
                 Heads up: from 1 January 2027 the standing charge goes up to 55.10p a day with the new price cap."
            )
        }
        Topic::Switching => "Switching usually takes three weeks from the day you sign up. \
             Changed your mind? Cancel within the 14-day cooling-off period without paying a penny."
            .into(),
        Topic::Contact => "Your chat reference is CH-0161-4960-7722. You can ring us free on 0808 157 0642. \
             Our lines are open Monday to Friday from 9 till half past five, and on Saturdays from 10 until 2."
            .into(),
        Topic::Ev => "With EV Night, charging between midnight and 5am costs half the standard unit rate.".into(),
        Topic::Complaint => "We'll aim to resolve your complaint within eight weeks. \
             If you're still unhappy after that, you can take it to the Energy Ombudsman, free of charge."
            .into(),
        Topic::Other => "Sorry, I didn't catch that.".into(),
    }
}

/// The agent's emailed answer (HTML): greeting, answer, an instruction
/// with a slot to fill, a signature with a direct line, a legal and
/// marketing footer, and the earlier message quoted below.
pub fn email_html(topic: Topic, persona: &str) -> String {
    let first = persona.split(' ').next().unwrap_or(persona);
    let greeting = if topic == Topic::Complaint && persona == "Jonas Weber" {
        // PLANTED: the helpdesk's merge field, not filled in.
        "Dear [FIRST NAME],".to_string()
    } else {
        format!("Dear {first},")
    };
    let answer = match topic {
        // PLANTED: a wrong unit rate on email only (digits transposed).
        Topic::Tariff => {
            "<p>Your Fixed Saver prices are a daily standing charge of £0.5335 and a unit rate of 25.40p/kWh. \
             Both include VAT at 5%.</p>"
        }
        Topic::Switching => {
            "<p>Your switch will be complete within 21 days.</p>\
             <p>You have a fortnight's cooling-off period, and cancelling during it is free of charge.</p>"
        }
        Topic::Contact => {
            "<p>Call us on +44 808 157 0642.</p>\
             <table><tr><td>Mon – Fri</td><td>09:00 – 17:30</td></tr><tr><td>Saturday</td><td>10:00 – 14:00</td></tr>\
             <tr><td>Sunday</td><td>Closed</td></tr></table>\
             <p>Your case number is 01632 960 581.</p>"
        }
        Topic::Ev => "<p>EV Night gives you 50% off the unit rate overnight (00:00–05:00).</p>",
        Topic::Complaint => {
            "<p>We have 8 weeks to resolve a complaint. After that, or sooner if we send you a deadlock letter, \
             you can contact the Energy Ombudsman.</p>\
             <p>Citizens Advice also offers free, impartial advice on 0808 223 1133.</p>"
        }
        Topic::Other => "<p>Thank you for your email.</p>",
    };
    format!(
        "<div class=\"message\"><p>{greeting}</p><p>Thank you for your email of 30 November 2026.</p>{answer}\
         <p>To send us a meter reading, just reply with your [ACCOUNT NUMBER] and today's reading.</p>\
         <p>Kind regards,<br>Sam Patel<br>Customer Care | Brightwater Energy<br>Direct line: 0161 496 0732</p>\
         <p style=\"font-size:10px\">Brightwater Energy Ltd is registered in England and Wales, company no. 09876543. \
         Calls to 0808 numbers are free from UK landlines and mobiles. \
         Add Brightwater Broadband from £22.50 a month, and refer a friend for £50 credit each.</p>\
         <blockquote>On 2 Nov 2026, at 10:14, Brightwater Energy &lt;help@brightwater.example&gt; wrote:<br>\
         Our standing charge was 49.97p per day and switching took 17 days.</blockquote></div>"
    )
}

/// The helpdesk's automatic acknowledgement: its own "2 working days" and a
/// ticket number are not the answer.
pub fn acknowledgement(ticket: u64) -> String {
    format!("<p>Thanks for your email: we've opened ticket #{ticket} and usually reply within 2 working days.</p>")
}

/// The help centre's article for a topic (`div.article-body`): headings,
/// definition lists, tables and lists.
pub fn article(topic: Topic) -> (&'static str, &'static str, &'static str) {
    match topic {
        Topic::Tariff => (
            "360-fixed-saver-prices",
            "Fixed Saver prices",
            "<h1>Fixed Saver prices</h1>\
             <dl><dt>Standing charge</dt><dd>53.35p per day</dd>\
             <dt>Unit rate</dt><dd>24.50p per kWh</dd>\
             <dt>Exit fee</dt><dd>£75 per fuel</dd></dl>\
             <p>All prices include VAT at 5%.</p>\
             <h2>Paying by Direct Debit</h2><p>Pay by monthly Direct Debit and save £30 a year.</p>",
        ),
        // PLANTED: the help centre's switching time is wrong (four weeks).
        Topic::Switching => (
            "361-switching",
            "Switching to Brightwater",
            "<h1>Switching to Brightwater</h1>\
             <h2>How long does it take?</h2><p>Most switches complete within four weeks.</p>\
             <h2>Cooling-off period</h2><p>You can cancel within 14 days of signing up. \
             There's no charge for cancelling during this time.</p>\
             <div class=\"feedback\"><p>Was this article helpful?</p><button>Yes</button> <button>No</button></div>",
        ),
        Topic::Contact => (
            "362-contact-us",
            "Contact us",
            "<h1>Contact us</h1>\
             <h2>Phone</h2><p>0808 157 0642 (free from mobiles and landlines)</p>\
             <h2>Opening hours</h2>\
             <ul><li>Monday–Friday: 9am to 5.30pm</li><li>Saturday: 10am to 2pm</li><li>Sundays and bank holidays: closed</li></ul>\
             <h2>Kundenservice auf Deutsch</h2><p>Mo–Fr 9–17:30 Uhr, Sa 10–14 Uhr</p>\
             <h2>Power cut?</h2><p>Call 105 at any time.</p>\
             <h2>Smell gas?</h2><p>National Gas Emergency Service: 0800 111 999 (24 hours)</p>",
        ),
        Topic::Ev => (
            "363-ev-night",
            "EV Night",
            "<h1>EV Night</h1>\
             <p>Overnight electricity, from midnight to 5am, is charged at half price.</p>\
             <table><tr><th>Time</th><th>Rate</th></tr><tr><td>00:00–05:00</td><td>12.25p per kWh</td></tr>\
             <tr><td>05:00–00:00</td><td>24.50p per kWh</td></tr></table>",
        ),
        Topic::Complaint => (
            "364-complaints",
            "Making a complaint",
            "<h1>Making a complaint</h1>\
             <ol><li>Tell us what went wrong.</li><li>We'll send you our written response within 56 days.</li>\
             <li>Not happy with it? Refer it to the Energy Ombudsman.</li></ol>",
        ),
        Topic::Other => ("100-help", "Help", "<h1>Help</h1><p>Browse our help topics.</p>"),
    }
}

/// A whole help-centre page around an article: a cookie banner, navigation
/// with a sales number, the article with its "last updated" and rating,
/// related articles with other prices, a marketing footer.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en-GB\"><head><title>{title} – Brightwater Help</title></head><body>\
         <div class=\"cookie-banner\">We use cookies. <button>Accept all</button></div>\
         <header><nav><a href=\"/\">Home</a> <a href=\"/tariffs\">Tariffs from 22.10p per kWh</a> \
         <a href=\"/hc\">Help</a> Sales: 0808 157 0999</nav></header>\
         <main><div class=\"article-body\">{body}</div>\
         <p class=\"meta\">Last updated: 14 November 2026 · 83% of 2,311 customers found this helpful</p>\
         <aside><h2>Related</h2><ul><li><a href=\"/hc/en-gb/articles/370-smart\">Smart meters: save up to 10%</a></li>\
         <li><a href=\"/hc/en-gb/articles/371-broadband\">Broadband from £22.50</a></li></ul></aside></main>\
         <footer><p>© 2026 Brightwater Energy Ltd. Registered in England and Wales no. 09876543.</p>\
         <p>Refer a friend and you both get £50. Calls to 0808 numbers are free.</p></footer></body></html>"
    )
}
