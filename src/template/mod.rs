//! Minijinja templates in suite files: one environment, configured the same
//! way for checking (`touchpoint check`) and for rendering (the engine).
//! `filters.rs` adds the encodings, digests, HMACs, ids and clocks vendor
//! APIs need; `context.rs` is the one definition of the names a template may
//! read; `lint.rs` finds the filters and functions a template calls, so
//! `check` can refuse unknown ones before a run.

pub mod context;
pub mod filters;
pub mod lint;
pub mod plain;
pub mod run_wide;
pub mod vars;

use minijinja::{Environment, UndefinedBehavior};
use std::collections::BTreeSet;

/// The environment every suite template is compiled in (for `check`: the
/// seed of `random_digits` does not matter there).
pub fn environment() -> Environment<'static> {
    environment_seeded(0)
}

/// The environment of a run: `random_digits(n)` draws from `seed`. Templates
/// render request parts, not HTML, so there is no autoescape here; HTML
/// output goes through the report's own environment, which escapes.
pub fn environment_seeded(seed: u64) -> Environment<'static> {
    let mut env = Environment::new();
    filters::register(&mut env, seed);
    // Channel templates may mention values that a later exchange captures
    // (`{{ thread | default('') }}`); undefined renders empty, and `check`
    // reports names that nothing defines.
    env.set_undefined_behavior(UndefinedBehavior::Lenient);
    // Templates are named by their source text; a source ending in ".html"
    // must not switch on HTML escaping of a URL or a JSON field.
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env
}

/// An environment with every given template compiled once, looked up later
/// by its own source text: the engine renders the same few templates for
/// every persona, and compiling each time costs more than rendering.
pub fn compiled(sources: impl IntoIterator<Item = String>, seed: u64) -> Environment<'static> {
    compile_into(environment_seeded(seed), sources)
}

/// Adds every template in `sources` to `env`, compiled, named by its source.
pub fn compile_into(mut env: Environment<'static>, sources: impl IntoIterator<Item = String>) -> Environment<'static> {
    for source in sources {
        if is_template(&source) && env.get_template(&source).is_err() {
            // A template that does not compile is rendered (and reported) later.
            let _ = env.add_template_owned(source.clone(), source);
        }
    }
    env
}

/// The environment for templated JSONPath (`$.messages[?@.in_reply_to ==
/// '{{ message_id }}']`). Values come from the target (ids it issued), so
/// they are untrusted: every string is escaped as a JSONPath single-quoted
/// literal, and an id like `x' || @.id != '` stays one string instead of
/// rewriting the filter.
pub fn jsonpath_environment() -> Environment<'static> {
    let mut env = environment();
    env.set_formatter(|out, state, value| {
        if let Some(s) = value.as_str() {
            let escaped = s.replace('\\', "\\\\").replace('\'', "\\'");
            out.write_str(&escaped)
                .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
        } else {
            minijinja::escape_formatter(out, state, value)
        }
    });
    env
}

/// True when the text contains template syntax at all.
pub fn is_template(text: &str) -> bool {
    // One byte pass (asked several times per request: two `str::contains` set up a searcher each).
    text.as_bytes().windows(2).any(|w| w[0] == b'{' && (w[1] == b'{' || w[1] == b'%'))
}

/// Compiles `source`; on error returns the message and the byte range inside
/// the template that minijinja blames, when it knows.
pub fn compile_check(
    env: &Environment<'_>,
    source: &str,
) -> Result<Variables, (String, Option<std::ops::Range<usize>>)> {
    match env.template_from_str(source) {
        Ok(t) => {
            // Functions (`uuid()`, `now()`, `random_digits(6)`) are globals of
            // the environment, not names the context must provide.
            let functions: BTreeSet<&str> = env.globals().map(|(name, _)| name).collect();
            let names = t
                .undeclared_variables(true)
                .into_iter()
                .filter(|n| !functions.contains(n.split('.').next().unwrap_or(n)))
                .collect();
            Ok(Variables { names })
        }
        Err(e) => {
            let detail = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
            Err((detail, e.range()))
        }
    }
}

/// The variables a template reads from its context, dotted (`persona.name`, `env.TOKEN`).
pub struct Variables {
    pub names: BTreeSet<String>,
}

impl Variables {
    /// The top-level names (`persona`, `case_ref`).
    pub fn roots(&self) -> BTreeSet<&str> {
        self.names.iter().map(|n| n.split('.').next().unwrap_or(n)).collect()
    }
    /// Environment variables referenced as `env.NAME`.
    pub fn env_names(&self) -> BTreeSet<&str> {
        self.names.iter().filter_map(|n| n.strip_prefix("env.")).map(|n| n.split('.').next().unwrap_or(n)).collect()
    }
}

/// Renders a one-off template string with a context.
pub fn render(env: &Environment<'_>, source: &str, ctx: &minijinja::Value) -> Result<String, String> {
    if !is_template(source) {
        return Ok(source.to_string());
    }
    let rendered = match env.get_template(source) {
        Ok(t) => t.render(ctx),
        Err(_) => env.render_str(source, ctx),
    };
    rendered.map_err(|e| {
        let detail = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
        format!("template `{source}` failed: {detail}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_values_cannot_rewrite_the_filter() {
        let env = jsonpath_environment();
        let ctx = minijinja::context! { id => "x' || @.id != '" };
        let path = render(&env, "$[?@.id == '{{ id }}']", &ctx).unwrap();
        assert_eq!(path, r"$[?@.id == 'x\' || @.id != \'']");
        let items = serde_json::json!([{"id": "x' || @.id != '"}, {"id": "other"}]);
        let found = crate::extract::select(&path, &items).unwrap();
        assert_eq!(found, vec![serde_json::json!({"id": "x' || @.id != '"})]);
    }
}
