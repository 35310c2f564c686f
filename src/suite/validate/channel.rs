//! A channel as a whole: its kind, requests, limits, retries and how its replies are received.

use super::*;

impl Checker<'_> {
    pub(super) fn channel(&mut self, file: FileId, name: &str, ch: &Channel, step_captures: &BTreeSet<String>) {
        // Names a channel's templates may read: whatever any of its requests
        // captures (order within a conversation is dynamic), plus step captures.
        let mut names: BTreeSet<String> = step_captures.clone();
        let requests: Vec<&RequestSpec> =
            ch.open.iter().chain(ch.send.as_slice()).chain(ch.receive.request.iter()).collect();
        for r in &requests {
            names.extend(r.capture.keys().cloned());
        }
        names.extend(ch.receive.capture.keys().cloned());
        self.template(file, path![name, "base_url"], &ch.base_url, &names);
        for (k, v) in &ch.headers {
            self.template(file, path![name, "headers", k.as_str()], v, &names);
        }
        self.auth(file, path![name, "auth"], ch.auth.as_ref(), &names);
        if let Some(tag) = &ch.locale {
            self.locale_tag(file, path![name, "locale"], tag, &format!("channel `{name}`"));
        }
        self.duration(file, path![name, "timeout"], &ch.timeout, limits::MAX_TIMEOUT);
        match parse_size(&ch.max_body) {
            Err(why) => self.err(
                file,
                path![name, "max_body"],
                format!("`{}` is not a size", ch.max_body),
                "cannot read this size",
                Some(why),
            ),
            Ok(n) if n == 0 || n > limits::MAX_BODY => self.err(
                file,
                path![name, "max_body"],
                format!("`{}` is out of range", ch.max_body),
                "out of range",
                Some(format!("use between 1 byte and {} MB", limits::MAX_BODY >> 20)),
            ),
            Ok(_) => {}
        }
        if let Some(rate) = &ch.rate_limit {
            match parse_rate(rate) {
                Err(why) => self.err(
                    file,
                    path![name, "rate_limit"],
                    format!("`{rate}` is not a rate"),
                    "cannot read this rate",
                    Some(why),
                ),
                Ok(r) => self.rate_in_range(file, path![name, "rate_limit"], rate, r),
            }
        }
        if let Some(budget) = &ch.budget {
            match parse_rate(budget) {
                Err(why) => self.err(
                    file,
                    path![name, "budget"],
                    format!("`{budget}` is not a budget"),
                    "cannot read this budget",
                    Some(format!("a budget is requests per period, e.g. `500/h`: {why}")),
                ),
                Ok(r) => self.rate_in_range(file, path![name, "budget"], budget, r),
            }
        }
        self.duration(file, path![name, "retry", "backoff"], &ch.retry.backoff, limits::MAX_BACKOFF);
        if ch.retry.attempts == 0 {
            self.err(
                file,
                path![name, "retry", "attempts"],
                "`attempts` counts the first try too; 0 would never send".into(),
                "must be at least 1",
                None,
            );
        } else if ch.retry.attempts > limits::MAX_ATTEMPTS {
            self.err(
                file,
                path![name, "retry", "attempts"],
                format!("{} attempts is more than a polite client makes", ch.retry.attempts),
                "out of range",
                Some(format!("use at most {}", limits::MAX_ATTEMPTS)),
            );
        }
        if let Some(region) = &ch.region {
            if scraper::Selector::parse(region).is_err() {
                self.err(
                    file,
                    path![name, "region"],
                    format!("`{region}` is not a valid CSS selector"),
                    "invalid selector",
                    None,
                );
            }
        }
        if let Some(open) = &ch.open {
            self.request(file, path![name, "open"], open, &names);
        }
        match &ch.send {
            crate::suite::channel::OneOrMany::One(r) => self.request(file, path![name, "send"], r, &names),
            crate::suite::channel::OneOrMany::Many(rs) => {
                if rs.is_empty() {
                    self.err(
                        file,
                        path![name, "send"],
                        format!("channel `{name}` sends nothing"),
                        "empty",
                        Some("describe at least one request".into()),
                    );
                }
                for (i, r) in rs.iter().enumerate() {
                    self.request(file, path![name, "send", i], r, &names);
                }
            }
        }
        let rx = &ch.receive;
        use crate::suite::channel::ReceiveMode;
        if rx.mode == ReceiveMode::Poll && rx.request.is_none() {
            self.err(
                file,
                path![name, "receive", "mode"],
                "polling needs a `request` to repeat".into(),
                "mode = \"poll\"",
                Some("add `[<channel>.receive.request]` with the poll URL, using `{{ cursor }}`".into()),
            );
        }
        self.stream(file, name, rx);
        self.websocket(file, name, ch);
        if matches!(rx.mode, ReceiveMode::Poll | ReceiveMode::Webhook | ReceiveMode::Websocket) && rx.reply.is_none() {
            self.err(
                file,
                path![name, "receive", "mode"],
                "polling or webhooks need a `reply` to recognise the answer".into(),
                "no `reply`",
                Some("e.g. reply = \"$.events[?@.role == 'agent' && @.type == 'message']\"".into()),
            );
        }
        if let Some(req) = &rx.request {
            self.request(file, path![name, "receive", "request"], req, &names);
        }
        for (key, d, max) in [
            ("every", &rx.every, limits::MAX_POLL_EVERY),
            ("max_every", &rx.max_every, limits::MAX_POLL_EVERY),
            ("max_wait", &rx.max_wait, limits::MAX_WAIT),
        ] {
            self.duration(file, path![name, "receive", key], d, max);
        }
        if let Some(settle) = &rx.settle {
            self.duration(file, path![name, "receive", "settle"], settle, limits::MAX_WAIT);
            if rx.mode != ReceiveMode::Poll {
                self.err(
                    file,
                    path![name, "receive", "settle"],
                    "`settle` only applies to `mode = \"poll\"`".into(),
                    "not a poll channel",
                    Some("remove `settle`, or receive the reply by polling".into()),
                );
            } else if let (Ok(s), Ok(w)) = (settle.parse(), rx.max_wait.parse()) {
                if s >= w {
                    self.err(
                        file,
                        path![name, "receive", "settle"],
                        format!(
                            "`settle` ({settle}) must be shorter than `max_wait` ({}), which bounds it",
                            rx.max_wait
                        ),
                        "longer than max_wait",
                        Some("e.g. settle = \"1s\" with max_wait = \"30s\"".into()),
                    );
                }
            }
        }
        if !(rx.backoff >= 1.0 && rx.backoff <= 10.0) {
            self.err(
                file,
                path![name, "receive", "backoff"],
                "`backoff` multiplies the poll interval and must be between 1.0 and 10.0".into(),
                "out of range",
                None,
            );
        }
        for (key, ex) in [("reply", &rx.reply), ("text", &rx.text), ("cursor", &rx.cursor)] {
            if let Some(ex) = ex {
                if let Ok(Extractor::JsonPath(p)) = ex.resolve() {
                    self.template(file, path![name, "receive", key], &p, &names);
                }
                self.extract(file, path![name, "receive", key], ex);
            }
        }
        for (k, ex) in &rx.capture {
            self.extract(file, path![name, "receive", "capture", k.as_str()], ex);
        }
        if let Some(ex) = &rx.dedupe {
            self.extract(file, path![name, "receive", "dedupe"], ex);
        }
        self.callback(file, name, rx, &names);
    }
}
