//! The web help centre: an HTML article per topic, an index, and a JSON
//! search. Pages are full layouts, so touchpoint has to find the answer
//! region: the footer carries a *different* phone number and hours on purpose.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use minijinja::{context, escape_formatter, AutoEscape, Environment, Error, Output, State as Render, Value};
use serde::{Deserialize, Serialize};

use super::api::ApiError;
use super::knowledge::{keyword_hits, normalise, Channel, Topic, TOPICS};
use super::Shared;

/// Characters of an answer shown as a search snippet.
const SNIPPET_CHARS: usize = 160;
/// Related articles listed beside an answer.
const RELATED: usize = 3;
/// Words too common to rank a search by.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "be", "can", "do", "does", "for", "how", "i", "in", "is", "it", "me", "my", "of", "on",
    "or", "the", "to", "what", "when", "with", "you", "your",
];

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/help", get(index))
        .route("/help/articles/:slug", get(article))
        .route("/help/search", get(search))
}

/// The help centre's templates, compiled once at start-up.
pub(crate) struct Site {
    templates: Environment<'static>,
}

impl Site {
    pub(crate) fn new() -> Result<Self, minijinja::Error> {
        let mut templates = Environment::new();
        // Answers can be replaced with hostile text by tests: always escape.
        templates.set_auto_escape_callback(|_| AutoEscape::Html);
        templates.set_formatter(readable_escape);
        templates.add_template("base.html", include_str!("../../templates/demo/base.html"))?;
        templates.add_template("index.html", include_str!("../../templates/demo/index.html"))?;
        templates.add_template("article.html", include_str!("../../templates/demo/article.html"))?;
        templates.add_template("not_found.html", include_str!("../../templates/demo/not_found.html"))?;
        Ok(Self { templates })
    }

    fn render(&self, status: StatusCode, name: &str, context: minijinja::Value) -> Response {
        match self.templates.get_template(name).and_then(|template| template.render(context)) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(err) => {
                tracing::error!(template = name, %err, "help centre template failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
            }
        }
    }
}

/// HTML-escapes strings like minijinja's default, except that `/` is left
/// alone: "£29.99/mo" stays readable in the page source, which tools that
/// scrape raw HTML see. `& < > " '` are still escaped, which is what keeps
/// text and quoted attributes safe.
fn readable_escape(out: &mut Output<'_>, state: &Render<'_, '_>, value: &Value) -> Result<(), Error> {
    let text = value.as_str().filter(|_| !value.is_safe() && state.auto_escape() == AutoEscape::Html);
    let Some(text) = text else {
        return escape_formatter(out, state, value);
    };
    for c in text.chars() {
        let written = match c {
            '&' => out.write_str("&amp;"),
            '<' => out.write_str("&lt;"),
            '>' => out.write_str("&gt;"),
            '"' => out.write_str("&quot;"),
            '\'' => out.write_str("&#x27;"),
            _ => out.write_char(c),
        };
        written.map_err(Error::from)?;
    }
    Ok(())
}

/// An article as the templates and search see it.
#[derive(Serialize)]
struct Article {
    title: &'static str,
    url: String,
    paragraphs: Vec<String>,
}

fn articles() -> impl Iterator<Item = Topic> + Clone {
    TOPICS.into_iter().filter(|topic| topic.has_article())
}

fn article_of(shared: &Shared, topic: Topic) -> Article {
    let answer = shared.answers.get(Channel::Web, topic);
    Article {
        title: topic.title(),
        url: format!("/help/articles/{}", topic.slug()),
        paragraphs: answer.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect(),
    }
}

async fn index(State(shared): State<Arc<Shared>>) -> Response {
    let articles: Vec<Article> = articles().map(|topic| article_of(&shared, topic)).collect();
    shared.site.render(StatusCode::OK, "index.html", context! { articles })
}

async fn article(State(shared): State<Arc<Shared>>, Path(slug): Path<String>) -> Response {
    let Some(topic) = articles().find(|topic| topic.slug() == slug) else {
        return shared.site.render(StatusCode::NOT_FOUND, "not_found.html", context! { slug });
    };
    let related: Vec<Article> = articles()
        .cycle()
        .skip_while(|other| *other != topic)
        .skip(1)
        .take(RELATED)
        .map(|other| article_of(&shared, other))
        .collect();
    let article = article_of(&shared, topic);
    shared.site.render(StatusCode::OK, "article.html", context! { article, related })
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
struct SearchResults {
    query: String,
    results: Vec<SearchResult>,
}

#[derive(Serialize)]
struct SearchResult {
    title: &'static str,
    url: String,
    snippet: String,
}

async fn search(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<SearchQuery>, QueryRejection>,
) -> Result<Json<SearchResults>, ApiError> {
    let Query(SearchQuery { q }) = query.map_err(|err| ApiError::bad_request(err.body_text()))?;
    let mut ranked: Vec<(usize, Article)> = articles()
        .map(|topic| {
            let article = article_of(&shared, topic);
            (relevance(&q, topic, &article), article)
        })
        .filter(|(score, _)| *score > 0)
        .collect();
    // Stable sort: equal scores keep the index order.
    ranked.sort_by(|(a, _), (b, _)| b.cmp(a));
    let results = ranked
        .into_iter()
        .map(|(_, article)| SearchResult {
            snippet: snippet(&article.paragraphs.join(" ")),
            title: article.title,
            url: article.url,
        })
        .collect();
    Ok(Json(SearchResults { query: q, results }))
}

/// Keyword relevance: an intent keyword in the query weighs most, then query
/// words in the title, then query words in the answer.
fn relevance(query: &str, topic: Topic, article: &Article) -> usize {
    let query = normalise(query);
    let title = normalise(article.title);
    let body = normalise(&article.paragraphs.join(" "));
    let words = query.split_whitespace().filter(|word| !STOPWORDS.contains(word));
    let in_text = |text: &str, word: &str| text.split_whitespace().filter(|other| other.starts_with(word)).count();
    let word_score: usize = words.map(|word| 3 * in_text(&title, word).min(1) + in_text(&body, word)).sum();
    5 * keyword_hits(topic, &query) + word_score
}

fn snippet(text: &str) -> String {
    if text.chars().count() <= SNIPPET_CHARS {
        return text.to_owned();
    }
    let cut: String = text.chars().take(SNIPPET_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_cut_at_a_word() {
        assert_eq!(snippet("short"), "short");
        let long = "word ".repeat(100);
        let cut = snippet(&long);
        assert!(cut.ends_with("word…") && cut.chars().count() <= SNIPPET_CHARS + 1, "{cut}");
    }
}
