//! What Skylark Airways says, channel by channel: every fact stated
//! correctly in the phrasings British contact centres use, except the
//! defects planted on purpose (marked `PLANTED`).

/// The questions of `scenarios/recipes/ticket-desk`, recognised by a word.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Baggage,
    Refund,
    Contact,
    Changes,
    Complaint,
    Other,
}

pub fn topic(message: &str) -> Topic {
    let m = message.to_lowercase();
    if m.contains("bag") {
        Topic::Baggage
    } else if m.contains("refund") {
        Topic::Refund
    } else if m.contains("number") {
        Topic::Contact
    } else if m.contains("downgraded") {
        Topic::Changes
    } else if m.contains("complaint") {
        Topic::Complaint
    } else {
        Topic::Other
    }
}

/// The chat bot's greeting, posted when a conversation opens: today's date
/// is not the date the new cabin rules start.
pub fn chat_greeting(first_name: &str) -> String {
    format!("Good morning {first_name}! It's Tuesday 1 December 2026 and I'm Skye, Skylark's assistant. Ask me anything about your trip.")
}

/// The chat bot's answer (plain text). Bo's bot speaks another script.
pub fn chat(topic: Topic, persona: &str) -> String {
    if persona == "Bo Chen" {
        return chat_member(topic);
    }
    match topic {
        Topic::Baggage => {
            "A checked bag is twenty-five pounds per flight when you add it online (it's more at the airport). \
             Our new cabin bag rules come into force on the 1st of March 2027."
                .into()
        }
        Topic::Refund => "If you cancel within 24 hours of booking there's nothing to pay. \
             Refunds usually reach your card within a fortnight."
            .into(),
        Topic::Contact => {
            "You can ring us on +44 (0)20 7946 0123 – lines are open 9am–5.30pm Mon–Fri and 10am–4pm on Saturdays. \
             Or email customer.relations@skylark-air.example. Your chat reference is 0207 946 1187."
                .into()
        }
        Topic::Changes => "You can change flights online at skylark-air.example/manage-booking. \
             If you're downgraded to a lower cabin, we'll refund fifty per cent of the fare for that flight."
            .into(),
        Topic::Complaint => "We reply to complaints within eight weeks, though most get an answer much sooner. \
             If you're unhappy with our final response you can refer it to AviationADR, an independent scheme."
            .into(),
        Topic::Other => "Sorry, I didn't catch that. Could you rephrase?".into(),
    }
}

/// The members' bot script: the same facts, worded otherwise.
fn chat_member(topic: Topic) -> String {
    match topic {
        Topic::Baggage => "Hold luggage costs £25.00 per item per flight (£40 if you pay at the airport).\n\
             New cabin bag rules: from 01/03/2027."
            .into(),
        Topic::Refund => "There's no charge to cancel within 24 hours, but changes after that cost £50. \
             Refunds take no more than 14 days. \
             I can also see that the refund for Ann Lee was issued on 24 November." // PLANTED: another customer's data.
            .into(),
        Topic::Contact => "Please call us on 020 7946 0123 and quote your reference 0207 946 1187. \
             We're open from 9 till half five on weekdays and 10 till 4 on Saturdays. \
             You can also email customer.relations@skylark-air.example."
            .into(),
        Topic::Changes => {
            "Manage your booking here → https://www.skylark-air.example/manage-booking?utm_source=chatbot\n\
             Downgraded passengers get a 50 per cent refund of that flight's fare."
                .into()
        }
        Topic::Complaint => "We'll give you our final response to a complaint within 56 days. \
             Still not happy? Take it to AviationADR (aviationadr.org.uk)."
            .into(),
        Topic::Other => "Sorry, I didn't catch that.".into(),
    }
}

/// The agent's emailed answer: an HTML comment with a greeting, the
/// answer, a signature with a direct line, a legal footer and the earlier
/// thread quoted below.
pub fn email(topic: Topic, persona: &str) -> String {
    let first = persona.split(' ').next().unwrap_or(persona);
    let greeting = if topic == Topic::Baggage && persona == "Bo Chen" {
        // PLANTED: a template placeholder the helpdesk did not fill.
        "Dear {{ticket.requester.first_name}},".to_string()
    } else {
        format!("Dear {first},")
    };
    let answer = match topic {
        Topic::Baggage => "<p>Thanks for getting in touch. Checked bags cost <strong>GBP 25.00</strong> per bag, per flight.</p>\
             <p>The new cabin bag rules take effect from 01/03/2027.</p>",
        // PLANTED: a wrong refund time on email only.
        Topic::Refund => "<p>Cancelling within 24 hours of booking is free of charge.</p>\
             <p>Once approved, refunds can take up to 21 days to appear on your statement.</p>",
        Topic::Contact => "<p>Our customer service team is on 020 7946 0123.</p>\
             <ul><li>Monday to Friday: 9:00 – 17:30</li><li>Saturday: 10:00 – 16:00</li><li>Sunday: closed</li></ul>\
             <p>You can also email us at <a href=\"mailto:customer.relations@skylark-air.example\">customer.relations@skylark-air.example</a>.</p>",
        Topic::Changes => "<p>You can change your booking at <a href=\"https://skylark-air.example/manage-booking?utm_source=email\">Manage booking</a> \
             (https://skylark-air.example/manage-booking).</p>\
             <p>If you are downgraded, you are entitled to a refund of 50% of that flight's fare.</p>",
        Topic::Complaint => "<p>We aim to respond to every complaint within 8 weeks.</p>\
             <p>If you remain unhappy, you can escalate to AviationADR, the independent dispute resolution body we belong to.</p>",
        Topic::Other => "<p>Thank you for your email.</p>",
    };
    if persona == "Bo Chen" {
        return outlook(&greeting, answer);
    }
    format!(
        "<div class=\"comment\"><p>{greeting}</p>{answer}\
         <p>Kind regards,<br>Priya Shah<br>Customer Relations | Skylark Airways<br>Direct line: +44 (0)20 7946 0999</p>\
         <p style=\"font-size:10px;color:#888\">Skylark Airways Ltd is registered in England and Wales, company no. 04512398. \
         Calls to 020 numbers cost up to 9p per minute plus your provider's access charge. \
         Book by 31 January 2027 and save 20% on summer fares.</p>\
         <div class=\"quote\">On Tue, 3 Nov 2026 at 09:12, Skylark Airways &lt;help@skylark-air.example&gt; wrote:\
         <blockquote>Checked bags are £20, refunds take 30 days and our lines are open 8am–8pm.</blockquote></div></div>"
    )
}

/// An answer written in Outlook: a short sign-off, a signature with the
/// agent's own phone and address, a confidentiality notice, and the earlier
/// message below a "From: / Sent:" header rather than a blockquote.
fn outlook(greeting: &str, answer: &str) -> String {
    format!(
        "<html><body><div dir=\"ltr\"><div>{greeting}</div><div><br></div>{answer}<div><br></div>\
         <div>Thanks,</div><div>Priya</div><div>Customer Relations Team</div>\
         <div>T: +44 (0)20 7946 0999 | E: priya.shah@skylark-air.example</div><div><br></div>\
         <div style=\"font-size:9px\">This email and any attachments are confidential. If you are not the intended recipient, \
         please tell us within 24 hours and delete it.</div>\
         <hr style=\"display:inline-block;width:98%\"><div id=\"divRplyFwdMsg\" dir=\"ltr\"><b>From:</b> Skylark Airways &lt;help@skylark-air.example&gt;<br>\
         <b>Sent:</b> 03 November 2026 09:12<br><b>To:</b> Bo Chen<br><b>Subject:</b> Your booking SKY7QW2</div><br>\
         <div>Checked bags are £20 and refunds take 30 days. Call 0800 000 0000, 8am–8pm daily.</div></div></body></html>"
    )
}

/// The automatic acknowledgement a helpdesk rule posts at once: its ticket
/// number and "2 working days" are not answers.
pub fn acknowledgement(ticket: u64) -> String {
    format!("<p>We've received your request (ticket #{ticket}). Our team usually replies within 2 working days.</p>")
}

/// The help centre's article for a topic (`article.help-article`): tables,
/// lists, links.
pub fn article(topic: Topic) -> (&'static str, &'static str) {
    match topic {
        // PLANTED: the help centre's bag fee is wrong (£30).
        Topic::Baggage => (
            "checked-baggage",
            "<h1>Checked baggage</h1>\
             <table><thead><tr><th>Item</th><th>Price per flight</th></tr></thead>\
             <tbody><tr><td>Checked bag (up to 23kg)</td><td>&pound;30.00</td></tr>\
             <tr><td>Sports equipment</td><td>&pound;45.00</td></tr></tbody></table>\
             <h2>Cabin bags</h2><p>Our new cabin bag rules apply to flights from <strong>1st March 2027</strong>.</p>",
        ),
        Topic::Refund => (
            "cancellations-and-refunds",
            "<h1>Cancellations and refunds</h1>\
             <ul><li>Changed your mind? You can cancel within 24 hours of booking free of charge.</li>\
             <li>Refunds go back to the original card within 14 days.</li></ul>",
        ),
        Topic::Contact => (
            "contact-us",
            "<h1>Contact us</h1>\
             <p>Call us on <a href=\"tel:+442079460123\">020 7946 0123</a>.</p>\
             <h2>Opening hours</h2>\
             <table><tr><th>Monday to Friday</th><td>9am – 5.30pm</td></tr>\
             <tr><th>Saturday</th><td>10am – 4pm</td></tr>\
             <tr><th>Sunday and bank holidays</th><td>Closed</td></tr></table>\
             <p>Email: customer.relations [at] skylark-air.example</p>",
        ),
        Topic::Changes => (
            "manage-booking",
            "<h1>Changing your booking</h1>\
             <p>Change flights, add bags or pick seats in <a href=\"https://skylark-air.example/manage-booking/\">Manage booking</a>: \
             https://skylark-air.example/manage-booking/</p>\
             <h2>Downgrades</h2><p>If we move you to a lower cabin, you get 50 per cent of that flight's fare back.</p>",
        ),
        Topic::Complaint => (
            "complaints",
            "<h1>Making a complaint</h1>\
             <p>We'll send you our final response to a complaint within eight weeks.</p>\
             <p>Not happy with it? You can take it to AviationADR, free of charge.</p>",
        ),
        Topic::Other => ("help", "<h1>Help</h1><p>Browse our help topics.</p>"),
    }
}

/// A whole help-centre page around an article: header navigation with a
/// deal, a breadcrumb, related links with other prices, a marketing footer.
pub fn page(body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en-GB\"><head><title>Skylark Help</title></head><body>\
         <header><nav><a href=\"/\">Home</a> <a href=\"/deals\">Flights to Malaga from &pound;39.99</a> \
         <a href=\"/help\">Help</a> Sales: 0800 555 0199</nav></header>\
         <main><nav class=\"breadcrumb\"><a href=\"/help\">Help</a> › Article</nav>\
         <article class=\"help-article\">{body}<p class=\"meta\">Last updated: 12 November 2026</p>\
         <p class=\"helpful\">Was this article helpful? 79% of 1,204 readers said yes.</p></article>\
         <aside class=\"related\"><h2>Related</h2><ul><li><a href=\"/help/articles/extra-legroom\">Extra legroom from &pound;12</a></li>\
         <li><a href=\"/help/articles/priority\">Priority boarding: 10% off this week</a></li></ul></aside></main>\
         <footer><p>&copy; 2026 Skylark Airways Ltd. Company no. 04512398.</p>\
         <p>Download our app and get 15% off your first booking. Calls to 0800 555 0199 are free.</p></footer></body></html>"
    )
}
