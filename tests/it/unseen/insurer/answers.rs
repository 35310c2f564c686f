//! What Larkfield Insurance says, channel by channel: every fact stated
//! correctly in the phrasings British insurers use (an excess beside a
//! voluntary one, a no-claims table by years, a claims line open 24/7 beside
//! the office's hours, "working days", a yes/no said as "won't touch your
//! no-claims"), except the defects planted on purpose (marked `PLANTED`).

/// The questions of `scenarios/recipes/llm-assistant`, recognised by a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Cover,
    Windscreen,
    Contact,
    CoolingOff,
    Claim,
    Other,
}

pub fn topic(message: &str) -> Topic {
    let m = message.to_lowercase();
    if m.contains("excess") {
        Topic::Cover
    } else if m.contains("windscreen") {
        Topic::Windscreen
    } else if m.contains("number") {
        Topic::Contact
    } else if m.contains("change my mind") {
        Topic::CoolingOff
    } else if m.contains("decision") {
        Topic::Claim
    } else {
        Topic::Other
    }
}

/// The policy numbers the personas hold (`personas.toml`).
pub const PRIYA_POLICY: &str = "LKM-5524-3380";

/// The assistant's answer, in the pieces the model streams it in (split
/// mid-word and mid-number).
pub fn chat(topic: Topic, persona: &str) -> Vec<String> {
    let pieces: &[&str] = match topic {
        Topic::Cover => &[
            "On comprehensive cover the compulsory excess is £2",
            "50, and you can add a voluntary excess of up to £500 to lower your premium【4:0†policy-booklet.pdf】. ",
            // PLANTED: the assistant overstates the maximum no-claims discount (65%, not 60%).
            "After five claim-free years your no-claims discount can reach 6",
            "5%.",
        ],
        // PLANTED: the assistant falls back on a question email and the help centre answer.
        Topic::Windscreen => &[
            "I'm sorry, I can't help with that one. ",
            "I can answer questions about your cover, claims and payments, or put you through to a colleague.",
        ],
        // Markdown, as language models write it.
        Topic::Contact => &[
            "Here's how to reach us:\n\n- **Claims line:** ring 0800 04",
            "8 7710 — it's open 24/7.\n",
            "- **Customer service:** open Monday to Friday 8am to 8pm and Saturday 9am to 1pm.\n",
            "- **Sales:** available until 9pm on weekdays",
        ],
        Topic::CoolingOff if persona == "Tom Hughes" => &[
            // PLANTED: the assistant's prompt template leaks its variable.
            "Hi {{customer.first_name}}! You have 14 days from the day you receive your policy documents ",
            "to change your mind, and we'll refund you in full.",
        ],
        Topic::CoolingOff => &[
            "You have 14 days from the day you receive your policy documents to change your mind, ",
            "and we'll refund you in full. After that, cancelling costs £35.",
        ],
        Topic::Claim => &[
            "Once we have everything we need, we'll give you our decision within ten working days. ",
            "Your claim reference will look like CLM-0800-114-2231.\n\n| Step | When |\n|---|---|\n",
            "| Acknowledgement | 1 working day |\n| Call from a handler | 48 hours |",
        ],
        Topic::Other => &["Sorry, I'm not sure I understood."],
    };
    pieces.iter().map(|p| p.to_string()).collect()
}

/// The agent's emailed answer (plain text): greeting, the date of the
/// customer's email, the answer, a signature with a direct line, the
/// regulator's footer with a firm reference number, a marketing line, and
/// the customer's message quoted below.
pub fn email_text(topic: Topic, persona: &str, question: &str) -> String {
    let first = persona.split(' ').next().unwrap_or(persona);
    let answer = match topic {
        Topic::Cover => "Your comprehensive policy has a compulsory excess of £250. You can choose a voluntary \
                         excess of £100, £250 or £500 on top of it.\n\n\
                         No-claims discount builds up with each claim-free year, to a maximum of 60% after five years."
            .to_string(),
        // PLANTED: email contradicts the help centre: a windscreen claim does not affect the discount.
        Topic::Windscreen => "Yes, I'm afraid a windscreen claim will affect your no-claims discount. \
                              The windscreen excess is £95 if you use our approved repairer."
            .to_string(),
        Topic::Contact => "Our claims line is 0800 048 7710 and is open 24 hours a day, every day.\n\n\
                           Customer services are open Monday to Friday, 8:00 to 20:00, and Saturday, 9:00 to 13:00. \
                           We're closed on Sundays and bank holidays."
            .to_string(),
        Topic::CoolingOff => "You can cancel within 14 days of receiving your documents and we'll refund your \
                              premium in full. After the cooling-off period a cancellation fee of £35 applies."
            .to_string(),
        Topic::Claim if persona == "Tom Hughes" => format!(
            // PLANTED: another customer's policy number (Priya's).
            "We aim to reach a decision within 10 working days of receiving your claim form. \
             I've added a note to policy {PRIYA_POLICY} so the claims team can see your question."
        ),
        Topic::Claim => "We aim to reach a decision within 10 working days of receiving your claim form.".to_string(),
        Topic::Other => "Thank you for your email.".to_string(),
    };
    format!(
        "Dear {first},\n\nThank you for your email of 1 December 2026.\n\n{answer}\n\n\
         Kind regards,\nRachel Owen\nCustomer Care, Larkfield Insurance\nDirect line: 0161 496 0815\n\n\
         Larkfield Insurance Ltd is authorised and regulated by the Financial Conduct Authority (FRN 301234). \
         Calls may be recorded. Home insurance from £12.50 a month: ask us for a quote.\n\n\
         On Tue, 1 Dec 2026 at 09:12, {persona} <customer@example.com> wrote:\n> {question}\n"
    )
}

/// The automatic acknowledgement: its own reference and "5 working days"
/// are not the answer.
pub fn acknowledgement(n: usize) -> String {
    format!(
        "Thank you for contacting Larkfield Insurance. Your reference is LK-20261202-{n:04}. \
         We aim to reply to every email within 5 working days."
    )
}

/// A thank-you survey sent a while after the reply (a late callback).
pub fn survey() -> &'static str {
    "How did we do? Rate your experience from 1 to 10 — it takes 2 minutes."
}

/// The help centre's top article for a topic: an id, a title and its HTML
/// body (as the search API returns it, inside JSON).
pub fn article(topic: Topic) -> (u64, &'static str, &'static str) {
    match topic {
        Topic::Cover => (
            360_011_204,
            "Excess and no-claims discount",
            "<h1>Excess and no-claims discount</h1>\
             <h2>Excess</h2><p>The compulsory excess on comprehensive cover is &pound;250. Young drivers pay an \
             extra &pound;200. You can add a voluntary excess to lower your premium.</p>\
             <h2>No-claims discount</h2>\
             <table><tr><th>Claim-free years</th><th>Discount</th></tr>\
             <tr><td>1</td><td>30%</td></tr><tr><td>3</td><td>50%</td></tr><tr><td>5 or more</td><td>60%</td></tr></table>\
             <p>Premiums include Insurance Premium Tax (IPT) at 12%.</p>",
        ),
        Topic::Windscreen => (
            360_011_205,
            "Windscreen claims",
            "<h1>Windscreen claims</h1>\
             <p>A windscreen claim won't affect your no-claims discount. Repairs are free; a replacement has a \
             £95 excess.</p>",
        ),
        Topic::Contact => (
            360_011_206,
            "Contact us",
            "<h1>Contact us</h1>\
             <h2>Make a claim</h2><p>Call 0800 048 7710, 24 hours a day.</p>\
             <h2>Customer services</h2><ul><li>Monday to Friday: 8am&nbsp;&ndash;&nbsp;8pm</li><li>Saturday: 9am&nbsp;&ndash;&nbsp;1pm</li>\
             <li>Sunday: closed</li></ul>\
             <h2>Sales</h2><p>0800 048 7799, weekdays until 9pm.</p>",
        ),
        Topic::CoolingOff => (
            360_011_207,
            "Cancelling your policy",
            "<h1>Cancelling your policy</h1>\
             <p>If you change your mind, you can cancel within 14 days of receiving your documents for a full \
             refund. After that, we'll refund the unused part of your premium minus a £35 fee.</p>",
        ),
        Topic::Claim => (
            360_011_208,
            "What happens after you claim",
            "<h1>What happens after you claim</h1>\
             <ol><li>We'll acknowledge your claim within 1 working day.</li>\
             <li>A claims handler will call you within 48 hours.</li>\
             <li>You'll get our decision within 10 working days of us receiving your completed claim form.</li></ol>",
        ),
        Topic::Other => (360_011_200, "Help", "<h1>Help</h1><p>Browse our help topics.</p>"),
    }
}

/// The search API's `body`: the article, then what the help centre adds
/// around every article (a rating, related articles with other prices).
pub fn body(article: &str) -> String {
    format!(
        "<article class=\"article-body\">{article}</article>\
         <div class=\"article-votes\">Was this article helpful? <button>Yes</button> <button>No</button> \
         212 out of 240 found this helpful</div>\
         <section class=\"related\"><h3>Related articles</h3><ul><li><a href=\"/hc/en-gb/articles/360011300\">\
         Home insurance from £12.50 a month</a></li><li>Breakdown cover: 10% off with car insurance</li></ul></section>"
    )
}
