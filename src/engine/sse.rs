//! A Server-Sent Events parser (the WHATWG "event stream" format), fed the
//! body in whatever chunks the network delivers. Lines end in CRLF, LF or
//! CR — a CR at the end of one chunk and an LF at the start of the next are
//! one line end; a chunk may split a line, a field or a UTF-8 character
//! anywhere, so bytes are buffered until their line is complete.
//!
//! *Invariants*: total (any bytes in, no panic); the events do not depend
//! on how the bytes were chunked (property-tested); what is buffered is at
//! most one unfinished line plus one unfinished event, both parts of the
//! body the caller already bounds.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `event:`, or `message` when the event named none.
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
    /// The last `id:` seen on the stream so far.
    pub id: Option<String>,
}

/// Incremental parser state.
#[derive(Debug, Default)]
pub struct Parser {
    /// Bytes of a line not yet ended.
    line: Vec<u8>,
    /// The last chunk ended in CR: an LF starting the next one belongs to it.
    after_cr: bool,
    /// The first line is still to come (a UTF-8 BOM there is dropped).
    started: bool,
    event: String,
    data: String,
    /// Whether any `data:` field arrived for the event being built.
    has_data: bool,
    last_id: Option<String>,
}

impl Parser {
    /// Feeds bytes; returns the events they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut out = Vec::new();
        let mut rest = bytes;
        if self.after_cr && !rest.is_empty() {
            self.after_cr = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(end) = rest.iter().position(|b| *b == b'\n' || *b == b'\r') {
            self.line.extend_from_slice(&rest[..end]);
            let is_cr = rest[end] == b'\r';
            rest = &rest[end + 1..];
            if is_cr {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    None => self.after_cr = true,
                    Some(_) => {}
                }
            }
            let line = std::mem::take(&mut self.line);
            if let Some(e) = self.line_done(&line) {
                out.push(e);
            }
        }
        self.line.extend_from_slice(rest);
        out
    }

    fn line_done(&mut self, line: &[u8]) -> Option<Event> {
        let mut line = line;
        if !self.started {
            self.started = true;
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }
        if line.is_empty() {
            return self.dispatch();
        }
        if line[0] == b':' {
            return None; // a comment (keep-alive)
        }
        let (name, value) = match line.iter().position(|b| *b == b':') {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        let value = String::from_utf8_lossy(value);
        match name {
            b"event" => self.event = value.into_owned(),
            b"data" => {
                self.data.push_str(&value);
                self.data.push('\n');
                self.has_data = true;
            }
            b"id" if !value.contains('\0') => self.last_id = Some(value.into_owned()),
            _ => {} // `retry` and unknown fields do not change what was said
        }
        None
    }

    fn dispatch(&mut self) -> Option<Event> {
        let event = std::mem::take(&mut self.event);
        let mut data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        data.pop(); // the last data line's `\n`
        Some(Event { event: if event.is_empty() { "message".into() } else { event }, data, id: self.last_id.clone() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(bytes: &[u8]) -> Vec<Event> {
        Parser::default().feed(bytes)
    }

    #[test]
    fn reads_named_events_comments_ids_and_multi_line_data() {
        let s = b"\xef\xbb\xbf: keep-alive\nevent: message.delta\nid: 7\ndata: {\"t\":\"\xc2\xa34\"}\n\ndata:a\ndata: b\r\n\r\nevent: done\n\n";
        let got = all(s);
        assert_eq!(
            got,
            vec![
                Event { event: "message.delta".into(), data: "{\"t\":\"£4\"}".into(), id: Some("7".into()) },
                Event { event: "message".into(), data: "a\nb".into(), id: Some("7".into()) },
            ],
            "an event without data is not dispatched"
        );
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        assert!(all(b"data: half").is_empty());
        assert!(all(b"data: half\n").is_empty());
        assert_eq!(all(b"data: x\r\r").len(), 1, "CR alone ends lines");
    }

    proptest! {
        /// However the network splits the bytes, the same events come out.
        #[test]
        fn chunking_never_changes_the_events(
            body in proptest::collection::vec(prop_oneof![
                Just(b"data: ".to_vec()), Just(b"event: x\n".to_vec()), Just(b"\r\n".to_vec()),
                Just(b"\r".to_vec()), Just(b"\n".to_vec()), Just(b":c\n".to_vec()), Just("£9.99".as_bytes().to_vec()),
                proptest::collection::vec(any::<u8>(), 0..6),
            ], 0..40),
            cuts in proptest::collection::vec(any::<usize>(), 0..8),
        ) {
            let body: Vec<u8> = body.concat();
            let whole = all(&body);
            let mut at: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
            at.sort_unstable();
            let mut p = Parser::default();
            let mut pieces = Vec::new();
            let mut from = 0;
            for c in at.into_iter().chain([body.len()]) {
                pieces.extend(p.feed(&body[from..c]));
                from = c;
            }
            prop_assert_eq!(whole, pieces);
        }
    }
}
