//! `mode = "stream"`: a reply that arrives as Server-Sent Events, the way
//! LLM-style assistants answer. The stream is the last send's response, or
//! that of `receive.request` (sent after the message). The reply's text is
//! the `data` of the configured `events` — through `text` when it is set
//! (`"$.delta.text"`) — concatenated exactly (chunks split words and
//! numbers: "£4" + "9.99"), up to the `end` event or the stream's close.
//!
//! Read as it arrives ([`Events`] is the body's [`Watch`]): a stream the
//! server keeps open after its end event is not waited on, and one that
//! closes before it is `ErrorKind::Cut`, retried by `http.rs` like any
//! broken body — only when re-sending cannot repeat the customer's message
//! (a GET `request`; a POST message that answered is never sent again).
//! The raw stream is recorded within `max_body`, with when the first and
//! the last piece of text arrived (time to first token, full answer).

use super::conversation::{fail, preview, unreadable, Conversation, Message, StepOutcome};
use super::extract::{self, Source};
use super::http::{Response, Watch};
use super::sse::{Event, Parser};
use super::Shared;
use crate::record::{ErrorKind, Purpose, Reply, StepError};
use crate::suite::channel::{Channel, Extractor, ReceiveMode};

/// The events of one stream that make up the reply, with their arrival times.
pub struct Events {
    wanted: Vec<String>,
    end: Option<String>,
    parser: Parser,
    got: Vec<(u64, Event)>,
    /// Events of any type read so far (for the error message of a cut).
    read: usize,
    complete: bool,
}

impl Events {
    pub fn new(channel: &Channel) -> Self {
        Events {
            wanted: channel.receive.events.clone(),
            end: channel.receive.end.clone(),
            parser: Parser::default(),
            got: Vec::new(),
            read: 0,
            complete: false,
        }
    }

    /// The watch for the last send, when that response is the stream.
    pub fn on_send(channel: &Channel) -> Option<Self> {
        (channel.receive.mode == ReceiveMode::Stream && channel.receive.request.is_none()).then(|| Events::new(channel))
    }
}

impl Watch for Events {
    fn reset(&mut self) {
        self.parser = Parser::default();
        self.got.clear();
        self.read = 0;
        self.complete = false;
    }

    fn chunk(&mut self, t_us: u64, bytes: &[u8]) -> bool {
        for e in self.parser.feed(bytes) {
            self.read += 1;
            if self.end.as_ref().is_some_and(|end| e.event == *end || e.data == *end) {
                self.complete = true;
                return true;
            }
            if self.wanted.contains(&e.event) {
                self.got.push((t_us, e));
            }
        }
        false
    }

    fn ended(&mut self) -> Result<(), String> {
        match &self.end {
            Some(end) => Err(format!(
                "the stream closed before its end event `{end}` after {} events ({} of the answer): the answer is cut off",
                self.read,
                self.got.len()
            )),
            None => {
                self.complete = true;
                Ok(())
            }
        }
    }
}

/// Reads the streamed reply: from the last send's response (`on_send`,
/// already read), or by sending `receive.request`.
pub(super) async fn receive(
    conv: &mut Conversation,
    shared: &Shared,
    msg: &Message<'_>,
    out: &mut StepOutcome,
    on_send: Option<Events>,
    last: Option<Response>,
) -> Result<Reply, StepError> {
    let channel = conv.channel.clone();
    let (events, resp) = match (on_send, &channel.receive.request) {
        (Some(events), _) => {
            (events, last.ok_or_else(|| fail(ErrorKind::Suite, "the channel sends nothing to stream the reply of"))?)
        }
        (None, Some(spec)) => {
            let mut events = Events::new(&channel);
            let resp =
                conv.request_watched(shared, spec, Purpose::Stream, msg, &mut out.http, Some(&mut events)).await?;
            (events, resp)
        }
        (None, None) => return Err(fail(ErrorKind::Suite, "stream mode: nothing to read the stream from")),
    };
    if !events.complete {
        // Only a stream cut at `max_body` is left unfinished without an error.
        return Err(unreadable(&resp, "the event stream was cut at `max_body` before its end"));
    }
    reply(conv, msg, &events.got, &resp).await
}

/// The reply from the events read: their texts concatenated exactly.
async fn reply(
    conv: &Conversation,
    msg: &Message<'_>,
    got: &[(u64, Event)],
    resp: &Response,
) -> Result<Reply, StepError> {
    let text_ex = conv.channel.receive.text.as_ref().map(|ex| conv.resolve(ex, msg)).transpose()?;
    let empty = crate::extract::Received::default();
    let mut text = String::new();
    let (mut first, mut last) = (None, None);
    for (i, (t_us, e)) in got.iter().enumerate() {
        let piece = match &text_ex {
            None => e.data.clone(),
            Some(ex) => {
                let json = serde_json::from_str::<serde_json::Value>(&e.data);
                if let (Extractor::JsonPath(_), Err(why)) = (ex, &json) {
                    return Err(fail(
                        ErrorKind::Malformed,
                        format!(
                            "event {} (`{}`) of the stream is not JSON ({why}); its data starts: {}",
                            i + 1,
                            e.event,
                            preview(&e.data)
                        ),
                    ));
                }
                let src = Source { body: &e.data, json: json.as_ref().ok(), headers: &empty, hash: None };
                let values =
                    extract::extract_all(ex, &src).await.map_err(|err| fail(ErrorKind::Malformed, err.to_string()))?;
                values.iter().map(extract::value_text).collect::<String>()
            }
        };
        if !piece.is_empty() {
            first.get_or_insert(*t_us);
            last = Some(*t_us);
            text.push_str(&piece);
        }
    }
    match (first, last) {
        (Some(first), Some(last)) if !text.trim().is_empty() => Ok(Reply {
            text,
            item: None,
            t_earliest_us: last,
            t_latest_us: last,
            t_first_byte_us: Some(first),
            t_last_byte_us: Some(last),
        }),
        _ => Err(fail(
            ErrorKind::NoReply,
            format!(
                "the stream held no answer text ({} events of {:?}; HTTP {}: {})",
                got.len(),
                conv.channel.receive.events,
                resp.status,
                preview(&resp.body)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(end: Option<&str>) -> Channel {
        let mut ch: Channel =
            toml::from_str("send = { url = \"/x\" }\nreceive = { mode = \"stream\", events = [\"message.delta\"] }")
                .unwrap();
        ch.receive.end = end.map(String::from);
        ch
    }

    #[test]
    fn stops_at_the_end_event_and_keeps_only_wanted_events() {
        let ch = channel(Some("message.done"));
        let mut ev = Events::new(&ch);
        assert!(!ev.chunk(5, b"event: ping\ndata: {}\n\nevent: message.delta\ndata: {\"t\":\"\xc2\xa3"));
        assert!(!ev.chunk(7, b"4\"}\n\n"));
        assert!(ev.chunk(9, b"event: message.done\ndata: {}\n\nevent: message.delta\ndata: late\n\n"));
        assert_eq!(ev.got.len(), 1);
        assert_eq!((ev.got[0].0, ev.got[0].1.data.as_str()), (7, "{\"t\":\"£4\"}"));
        assert!(ev.complete);
    }

    #[test]
    fn a_close_before_the_end_event_is_a_cut_and_without_one_the_close_ends_it() {
        let mut ev = Events::new(&channel(Some("[DONE]")));
        ev.chunk(1, b"event: message.delta\ndata: x\n\n");
        assert!(ev.ended().unwrap_err().contains("closed before its end event `[DONE]` after 1 events"));
        ev.reset();
        assert!(ev.got.is_empty() && !ev.complete, "a retry starts afresh");
        assert!(ev.chunk(2, b"data: [DONE]\n\n"), "the end may be the data");
        let mut ev = Events::new(&channel(None));
        assert!(ev.ended().is_ok() && ev.complete);
    }
}
