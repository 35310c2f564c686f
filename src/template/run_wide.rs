//! Templates that render the same for every request of a run: they read
//! only the run's own names (`target`, `run`, `env`) and call no function
//! (`uuid()`, `now()`, `random_digits(n)` are names too, so they are never
//! run-wide). `base_url = "{{ target }}"` is the usual one: rendered once
//! per run here, as sent and as recorded (`env` masked), instead of once per
//! request.
//!
//! A context whose narrower layers shadow one of those names (a capture
//! called `target`) does not use what is kept: the caller checks
//! [`super::context::Context::shadows_run`].

use minijinja::Environment;
use rustc_hash::FxHashMap;
use std::sync::{Arc, Mutex};

/// The names a run-wide template may read.
const RUN_NAMES: &[&str] = &["target", "run", "env"];

/// A template rendered once for the run.
#[derive(Debug)]
pub struct Rendered {
    /// As sent.
    pub sent: String,
    /// As recorded: every `env` value masked.
    pub shown: String,
}

/// The run-wide renders of one run, by template source. `None`: the
/// template reads something narrower (or does not compile) and is rendered
/// per request.
#[derive(Debug, Default)]
pub struct RunWide {
    kept: Mutex<FxHashMap<String, Option<Arc<Rendered>>>>,
}

impl RunWide {
    /// `source` rendered for the run (`render(masked)` renders it, with
    /// `env` masked when `masked` is true), or `None` when it is not
    /// run-wide. A render that fails is not kept: the caller renders again
    /// and reports the error.
    pub fn get(
        &self,
        env: &Environment<'_>,
        source: &str,
        render: impl Fn(bool) -> Result<String, String>,
    ) -> Option<Arc<Rendered>> {
        if let Some(kept) = self.kept.lock().ok()?.get(source) {
            return kept.clone();
        }
        let rendered = if reads_only_run_names(env, source) {
            let sent = render(false).ok()?;
            let shown = if source.contains("env") { render(true).ok()? } else { sent.clone() };
            Some(Arc::new(Rendered { sent, shown }))
        } else {
            None
        };
        self.kept.lock().ok()?.insert(source.to_string(), rendered.clone());
        rendered
    }
}

/// True when every name `source` reads is one of [`RUN_NAMES`] (a function
/// call is a name read too, and so is any name captured later).
fn reads_only_run_names(env: &Environment<'_>, source: &str) -> bool {
    let names = match env.get_template(source) {
        Ok(t) => t.undeclared_variables(false),
        Err(_) => match env.template_from_str(source) {
            Ok(t) => t.undeclared_variables(false),
            Err(_) => return false,
        },
    };
    names.iter().all(|n| RUN_NAMES.contains(&n.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn kept(source: &str) -> Option<String> {
        let env = crate::template::compiled([source.to_string()], 7);
        let ctx = minijinja::context! { target => "http://t", env => minijinja::context! { K => "s3cret" } };
        let masked = minijinja::context! { target => "http://t", env => minijinja::context! { K => "***" } };
        let renders = Cell::new(0);
        let run = RunWide::default();
        let render = |m: bool| {
            renders.set(renders.get() + 1);
            crate::template::render(&env, source, if m { &masked } else { &ctx })
        };
        let first = run.get(&env, source, render)?;
        let before = renders.get();
        let again = run.get(&env, source, render).unwrap();
        assert_eq!(renders.get(), before, "rendered once per run");
        assert_eq!((&first.sent, &first.shown), (&again.sent, &again.shown));
        Some(format!("{}|{}", first.sent, first.shown))
    }

    #[test]
    fn run_names_render_once_and_env_is_masked_in_the_record() {
        assert_eq!(kept("{{ target }}/api").as_deref(), Some("http://t/api|http://t/api"));
        assert_eq!(kept("{{ env.K | b64encode }}").as_deref(), Some("czNjcmV0|Kioq"));
    }

    #[test]
    fn anything_narrower_or_a_function_renders_per_request() {
        for source in [
            "{{ persona.email }}",
            "{{ target }}/{{ conversation }}",
            "{{ message }}",
            "{{ uuid() }}",
            "{{ now() }}",
            "{{ random_digits(4) }}",
            "{{ range(3) | join }}",
            "{{ target",
        ] {
            assert_eq!(kept(source), None, "{source}");
        }
    }
}
