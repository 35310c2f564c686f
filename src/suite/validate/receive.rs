//! How replies come back other than in the response: webhook callbacks (and
//! their verification), Server-Sent Events streams, WebSockets.

use super::*;

impl Checker<'_> {
    /// `receive.header_block` and `receive.verify` (`suite::callback`).
    pub(super) fn callback(
        &mut self,
        file: FileId,
        name: &str,
        rx: &crate::suite::channel::Receive,
        names: &BTreeSet<String>,
    ) {
        use crate::suite::callback::Over;
        use crate::suite::channel::ReceiveMode;
        let webhook = rx.mode == ReceiveMode::Webhook;
        for (key, set) in [("header_block", rx.header_block.is_some()), ("verify", rx.verify.is_some())] {
            if set && !webhook {
                self.err(
                    file,
                    path![name, "receive", key],
                    format!("`{key}` reads webhook callbacks, but channel `{name}` does not receive by webhook"),
                    "only with mode = \"webhook\"",
                    Some("set `mode = \"webhook\"` or remove this key".into()),
                );
            }
        }
        if rx.header_block.as_deref().is_some_and(|f| f.trim().is_empty()) {
            self.err(
                file,
                path![name, "receive", "header_block"],
                "`header_block` names the callback field holding the header block".into(),
                "empty",
                Some("e.g. header_block = \"headers\" (SendGrid Inbound Parse)".into()),
            );
        }
        let Some(v) = &rx.verify else { return };
        let at = |k: &str| path![name, "receive", "verify", k];
        let needs_header = matches!(v.over, Over::Body | Over::UrlParams);
        match (&v.header, needs_header) {
            (None, true) => self.err(
                file,
                at("over"),
                format!("the signature over `{}` is read from a header, but no `header` is named", over_name(v.over)),
                "no `header`",
                Some(match v.over {
                    Over::UrlParams => "add header = \"X-Twilio-Signature\"".into(),
                    _ => "add e.g. header = \"X-Hub-Signature-256\" and prefix = \"sha256=\"".into(),
                }),
            ),
            (Some(_), false) => self.err(
                file,
                at("header"),
                "`timestamp+token` signatures are read from the fields `timestamp`, `token` and `signature`, not a header".into(),
                "not used",
                Some("remove `header`".into()),
            ),
            (Some(h), true) if crate::suite::channel::parse_header(&format!("{h}: x")).is_err() => self.err(
                file,
                at("header"),
                format!("`{h}` is not a header name"),
                "not a header name",
                Some("use letters, digits and `-`, e.g. `X-Hub-Signature-256`".into()),
            ),
            _ => {}
        }
        if !template::is_template(&v.secret) {
            let hint = "keep the secret out of the suite: secret = \"{{ env.WEBHOOK_SECRET }}\"";
            self.err(
                file,
                at("secret"),
                "a webhook secret written into channels.toml".into(),
                "a literal secret",
                Some(hint.into()),
            );
        } else {
            self.template(file, at("secret"), &v.secret, names);
        }
    }

    /// `mode = "stream"`: the events that make the reply, and keys only that mode reads.
    pub(super) fn stream(&mut self, file: FileId, name: &str, rx: &crate::suite::channel::Receive) {
        use crate::suite::channel::ReceiveMode;
        if rx.mode != ReceiveMode::Stream {
            for (key, set) in [("events", rx.events != ["message"]), ("end", rx.end.is_some())] {
                if set {
                    self.err(
                        file,
                        path![name, "receive", key],
                        format!("`{key}` is only read when the reply is an event stream"),
                        "not read in this mode",
                        Some("set `mode = \"stream\"`, or remove it".into()),
                    );
                }
            }
            return;
        }
        if rx.reply.is_some() {
            self.err(
                file,
                path![name, "receive", "reply"],
                "a streamed reply is made of events, not picked by `reply`".into(),
                "not read in stream mode",
                Some(
                    "name the events with `events = [\"message.delta\"]` and their text with `text = \"$.delta.text\"`"
                        .into(),
                ),
            );
        }
        if rx.events.is_empty() || rx.events.iter().any(|e| e.trim().is_empty()) {
            self.err(
                file,
                path![name, "receive", "events"],
                "name the event types whose data make up the reply".into(),
                "empty",
                Some("e.g. events = [\"message.delta\"]; an event without an `event:` line is `message`".into()),
            );
        }
        if rx.end.as_deref().is_some_and(|e| e.trim().is_empty()) {
            self.err(
                file,
                path![name, "receive", "end"],
                "an empty `end` would never match".into(),
                "empty",
                Some("the end event's type (`message.done`) or its exact data (`[DONE]`); or remove it to read until the stream closes".into()),
            );
        }
    }

    /// `mode = "websocket"`: `send` is the socket and its one frame.
    pub(super) fn websocket(&mut self, file: FileId, name: &str, ch: &crate::suite::channel::Channel) {
        use crate::suite::channel::{OneOrMany, ReceiveMode};
        if ch.receive.mode != ReceiveMode::Websocket {
            return;
        }
        let spec = match &ch.send {
            OneOrMany::One(r) => r,
            OneOrMany::Many(rs) if rs.len() == 1 => &rs[0],
            OneOrMany::Many(_) => {
                return self.err(
                    file,
                    path![name, "send"],
                    "over a WebSocket, `send` is the socket and the frame sent on it: one table".into(),
                    "several requests",
                    Some("make the other requests `open` (HTTP, once per conversation)".into()),
                )
            }
        };
        if spec.json.is_none() && spec.body.is_none() {
            self.err(
                file,
                path![name, "send"],
                "over a WebSocket, the message is sent as a frame: give it as `json` or `body`".into(),
                "no frame",
                Some("e.g. json = { type = \"message\", text = \"{{ message }}\" }".into()),
            );
        }
        if ch.receive.request.is_some() {
            self.err(
                file,
                path![name, "receive", "request"],
                "over a WebSocket, the reply arrives on the socket `send` opens".into(),
                "not read in websocket mode",
                Some("remove it".into()),
            );
        }
    }
}

fn over_name(o: crate::suite::callback::Over) -> &'static str {
    use crate::suite::callback::Over;
    match o {
        Over::Body => "body",
        Over::TimestampToken => "timestamp+token",
        Over::UrlParams => "url+params",
    }
}
