//! Extraction as the engine calls it: [`crate::extract`], with HTML parsing
//! of a large reply moved off the runtime's worker.
//!
//! Parsing HTML for a CSS selector is the one extraction whose time grows
//! with more than the size of the reply (html5ever, even under the depth
//! bound). Done inline it would hold up every other persona whose reply
//! arrives on the same worker — and their timestamps, so our stall would be
//! reported as the company's latency. Above [`INLINE_BYTES`] the parse runs
//! under `block_in_place`, which hands this worker's other tasks to another
//! thread first. On a current-thread runtime there is no other thread, so
//! it runs inline there (as it must).

pub use crate::extract::{value_text, ExtractError, Source};
use crate::suite::channel::Extractor;
use serde_json::Value;

/// A reply up to this size is parsed where it is: it takes well under a
/// millisecond, less than handing the worker over would.
const INLINE_BYTES: usize = 32 * 1024;

/// Every value the extractor selects ([`crate::extract::extract_all`]).
pub fn extract_all(ex: &Extractor, src: &Source<'_>) -> Result<Vec<Value>, ExtractError> {
    if matches!(ex, Extractor::Css { .. }) && src.body.len() > INLINE_BYTES && multi_threaded() {
        tokio::task::block_in_place(|| crate::extract::extract_all(ex, src))
    } else {
        crate::extract::extract_all(ex, src)
    }
}

/// The first value, as text ([`crate::extract::extract_first`]).
pub fn extract_first(ex: &Extractor, src: &Source<'_>) -> Result<Option<String>, ExtractError> {
    Ok(extract_all(ex, src)?.into_iter().next().map(|v| value_text(&v)))
}

/// True inside a multi-thread runtime, the only kind `block_in_place` works in.
fn multi_threaded() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(body: &str) -> Vec<Value> {
        let headers = crate::extract::Received::default();
        let src = Source { body, json: None, headers: &headers, hash: None };
        extract_all(&Extractor::Css { selector: "article".into(), attr: None }, &src).unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_page_is_parsed_off_the_worker_with_the_same_result() {
        let filler = "<p>filler</p>".repeat(5000);
        let page = format!("<html><body>{filler}<article>Refunds within 30 days.</article></body></html>");
        assert!(page.len() > INLINE_BYTES);
        assert_eq!(article(&page), vec![Value::String("Refunds within 30 days.".into())]);
    }

    #[tokio::test]
    async fn a_current_thread_runtime_parses_inline() {
        let filler = "<p>filler</p>".repeat(5000);
        let page = format!("<article>Refunds within 30 days.</article>{filler}");
        assert_eq!(article(&page), vec![Value::String("Refunds within 30 days.".into())]);
    }
}
