//! Extraction as the engine calls it: [`crate::extract`], with HTML parsing
//! of a large reply moved off the runtime's thread.
//!
//! Parsing HTML for a CSS selector is the one extraction whose time grows
//! with more than the size of the reply (html5ever, even under the depth
//! bound). Done on a lane's thread it would hold up every other persona
//! whose reply arrives on that lane — and their timestamps, so our stall
//! would be reported as the company's latency (a false SLA finding). Above
//! [`INLINE_BYTES`] the page is parsed on tokio's blocking pool, at most
//! one page per core at a time, while the lane goes on with its other
//! walks. What was found is kept in the lane's page cache, so the same page
//! (every persona of a sweep fetching one article) is parsed once.
//!
//! [`extract_inline`] is for the few places that read a short text already
//! received (a step capture over the reply's text) and must stay
//! synchronous; it parses where it is.

pub use crate::extract::{value_text, ExtractError, Source};
use crate::suite::channel::Extractor;
use serde_json::Value;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// A reply up to this size is parsed where it is: it takes well under a
/// millisecond, less than handing the page to another thread would.
const INLINE_BYTES: usize = 32 * 1024;

/// Pages parsed off the lanes at once: one per core. A burst of large pages
/// waits here (each holding only a borrow of its body) rather than starting
/// a thread and a DOM per page.
static PARSERS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Every value the extractor selects ([`crate::extract::extract_all`]).
pub async fn extract_all(ex: &Extractor, src: &Source<'_>) -> Result<Vec<Value>, ExtractError> {
    let Extractor::Css { selector, attr } = ex else { return crate::extract::extract_all(ex, src) };
    if src.body.len() <= INLINE_BYTES || tokio::runtime::Handle::try_current().is_err() {
        return crate::extract::extract_all(ex, src);
    }
    // Boxed: only a large page's extraction holds the parse's state, not
    // the future of every step that extracts (a waiting persona's included).
    Box::pin(off_lane(selector, attr.as_deref(), src)).await
}

/// A large page's values: from the lane's page cache, or parsed on the
/// blocking pool while the lane goes on.
async fn off_lane(selector: &str, attr: Option<&str>, src: &Source<'_>) -> Result<Vec<Value>, ExtractError> {
    if let Some(values) = crate::extract::css_known(selector, attr, src.body, src.hash) {
        return Ok(values);
    }
    let permit = PARSERS.acquire().await.map_err(|_| ExtractError::Stopped)?;
    let (sel, at, body) = (selector.to_string(), attr.map(str::to_string), src.body.to_owned());
    let parsed = tokio::task::spawn_blocking(move || crate::extract::css_parse(&sel, at.as_deref(), &body)).await;
    drop(permit);
    let values = match parsed {
        Ok(values) => values?,
        // A panic in the parser is the walk's, as it was inline: the walk
        // catches it and records the step as failed.
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => return Err(ExtractError::Stopped),
    };
    crate::extract::css_remember(selector, attr, src.body, src.hash, &values);
    Ok(values)
}

/// The first value, as text ([`crate::extract::extract_first`]).
pub async fn extract_first(ex: &Extractor, src: &Source<'_>) -> Result<Option<String>, ExtractError> {
    Ok(extract_all(ex, src).await?.into_iter().next().map(|v| value_text(&v)))
}

/// The first value, extracted where it is (a short text: see the module).
pub fn extract_inline(ex: &Extractor, src: &Source<'_>) -> Result<Option<String>, ExtractError> {
    crate::extract::extract_first(ex, src)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    async fn article(body: &str) -> Vec<Value> {
        let headers = crate::extract::Received::default();
        let src = Source { body, json: None, headers: &headers, hash: None };
        extract_all(&Extractor::Css { selector: "article".into(), attr: None }, &src).await.unwrap()
    }

    fn large_page() -> String {
        let filler = "<p>filler</p>".repeat(5000);
        let page = format!("<html><body>{filler}<article>Refunds within 30 days.</article></body></html>");
        assert!(page.len() > INLINE_BYTES);
        page
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_large_page_is_parsed_off_the_worker_with_the_same_result() {
        assert_eq!(article(&large_page()).await, vec![Value::String("Refunds within 30 days.".into())]);
    }

    /// The lanes are current-thread runtimes: while a large page is parsed,
    /// the lane's other tasks (another persona's reply, its timestamp) go
    /// on. Inline, the other task could run only once the parse was done.
    #[tokio::test]
    async fn a_lane_goes_on_while_a_large_page_is_parsed() {
        let page = "<div><p>filler</p></div>".repeat(40_000) + "<article>Refunds within 30 days.</article>";
        let order = Arc::new(Mutex::new(Vec::new()));
        let other = {
            let order = order.clone();
            tokio::spawn(async move { order.lock().unwrap().push("another walk") })
        };
        let found = article(&page).await;
        order.lock().unwrap().push("the page parsed");
        other.await.unwrap();
        assert_eq!(found, vec![Value::String("Refunds within 30 days.".into())]);
        assert_eq!(*order.lock().unwrap(), ["another walk", "the page parsed"]);
    }

    #[test]
    fn without_a_runtime_the_page_is_parsed_where_it_is() {
        let page = large_page();
        let headers = crate::extract::Received::default();
        let src = Source { body: &page, json: None, headers: &headers, hash: None };
        let ex = Extractor::Css { selector: "article".into(), attr: None };
        let found = futures_util::FutureExt::now_or_never(extract_all(&ex, &src)).expect("ready at once").unwrap();
        assert_eq!(found, vec![Value::String("Refunds within 30 days.".into())]);
    }
}
