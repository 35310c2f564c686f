//! Templates: compiled with the suite's one environment, reading only names
//! that exist where they render, calling only known filters.

use super::*;

impl Checker<'_> {
    /// Where a byte range of a template is in the file: narrowed to the
    /// range when the TOML string holds the template verbatim (no escapes),
    /// else the whole value.
    pub(super) fn place_in(
        &self,
        file: FileId,
        at: &[Seg],
        source: &str,
        range: Option<std::ops::Range<usize>>,
    ) -> Place {
        let span = self.sources.span(file, at, At::Value);
        let text = self.sources.text(file);
        if let (Some(r), Some(inner)) = (range, text.get(span.start + 1..span.end.saturating_sub(1))) {
            if inner == source && r.end <= source.len() {
                let start = span.start + 1;
                return Place::Span(file, start + r.start..start + r.end);
            }
        }
        Place::Path(file, at.to_vec(), At::Value)
    }

    /// Compiles a template against the environment a run uses: syntax, the
    /// filters and functions it calls, and the names it reads (`persona.*`
    /// and `run.*` fields included); an unset `env.NAME` is a warning.
    pub(super) fn template(&mut self, file: FileId, at: Vec<Seg>, source: &str, extra: &BTreeSet<String>) {
        if !template::is_template(source) {
            return;
        }
        let vars = match template::compile_check(&self.env, source) {
            Err((detail, range)) => {
                let place = self.place_in(file, &at, source, range);
                self.diags.push(
                    Diagnostic::error("template does not compile", place).label("template syntax error").hint(detail),
                );
                return;
            }
            Ok(vars) => vars,
        };
        for call in template::lint::unknown(&self.env, source) {
            use template::filters::{BUILTIN_FILTERS, BUILTIN_FUNCTIONS, FILTERS, FUNCTIONS};
            let candidates: Vec<&str> = match call.kind {
                template::lint::CallKind::Filter => FILTERS.iter().chain(BUILTIN_FILTERS).copied().collect(),
                template::lint::CallKind::Function => FUNCTIONS.iter().chain(BUILTIN_FUNCTIONS).copied().collect(),
                template::lint::CallKind::Test => {
                    vec!["defined", "undefined", "none", "number", "string", "true", "false"]
                }
            };
            let hint = did_you_mean(&call.name, candidates.iter().copied())
                .or_else(|| Some(format!("known {}s: {}", call.kind.noun(), candidates.join(", "))));
            let place = self.place_in(file, &at, source, Some(call.range.clone()));
            self.diags.push(
                Diagnostic::error(format!("unknown {} `{}`", call.kind.noun(), call.name), place)
                    .label(format!("no such {}", call.kind.noun()))
                    .maybe_hint(hint),
            );
        }
        for name in vars.env_names() {
            self.env_names.insert(name.to_string());
            if std::env::var(name).is_err() && self.warned_env.insert(name.to_string()) {
                let range = source.find(name).map(|i| i..i + name.len());
                let place = self.place_in(file, &at, source, range);
                self.diags.push(
                    Diagnostic::warning(format!("environment variable `{name}` is not set"), place)
                        .label("unset: renders empty")
                        .hint(format!("export {name}=… before `run`; a request sent without it is a run problem")),
                );
            }
        }
        for dotted in &vars.names {
            if let Err((root, fields)) = template::context::known_field(dotted) {
                let field = dotted.split('.').nth(1).unwrap_or_default();
                let hint = did_you_mean(field, fields.iter().copied())
                    .or_else(|| Some(format!("`{root}` has: {}", fields.join(", "))));
                let range = source.find(&format!("{root}.{field}")).map(|i| i..i + root.len() + 1 + field.len());
                let place = self.place_in(file, &at, source, range);
                self.diags.push(
                    Diagnostic::error(format!("template reads `{root}.{field}`, which does not exist"), place)
                        .label("unknown field")
                        .maybe_hint(hint),
                );
            }
        }
        for root in vars.roots() {
            if GLOBALS.contains(&root) || extra.contains(root) {
                continue;
            }
            let candidates: Vec<&str> = GLOBALS.iter().copied().chain(extra.iter().map(String::as_str)).collect();
            let hint = did_you_mean(root, candidates.iter().copied())
                .or_else(|| Some(format!("known names here: {}", candidates.join(", "))));
            let range = find_name(source, root);
            let place = self.place_in(file, &at, source, range);
            self.diags.push(
                Diagnostic::error(format!("template reads `{root}`, which nothing defines"), place)
                    .label("unknown name")
                    .maybe_hint(hint),
            );
        }
    }

    pub(super) fn json_templates(&mut self, file: FileId, at: Vec<Seg>, v: &toml::Value, names: &BTreeSet<String>) {
        match v {
            toml::Value::String(s) => self.template(file, at, s, names),
            toml::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    let mut p = at.clone();
                    p.push(i.into());
                    self.json_templates(file, p, x, names);
                }
            }
            toml::Value::Table(t) => {
                for (k, x) in t {
                    let mut p = at.clone();
                    p.push(k.as_str().into());
                    self.json_templates(file, p, x, names);
                }
            }
            _ => {}
        }
    }

    pub(super) fn step_template(
        &mut self,
        file: FileId,
        at: Vec<Seg>,
        source: &str,
        captured: &BTreeSet<String>,
        later: &BTreeMap<&str, usize>,
    ) {
        if let Ok(vars) = template::compile_check(&self.env, source) {
            for root in vars.roots() {
                if let Some(n) = later.get(root) {
                    if !captured.contains(root) {
                        self.err(
                            file,
                            at.clone(),
                            format!("`{root}` is used before it is captured"),
                            "used before capture",
                            Some(format!("`{root}` is captured at step {n}; move this step after it")),
                        );
                        return;
                    }
                }
            }
        }
        let mut known = captured.clone();
        known.extend(later.keys().map(|k| k.to_string()));
        self.template(file, at, source, &known);
    }
}

/// The first occurrence of `name` in `source` as a whole word.
fn find_name(source: &str, name: &str) -> Option<std::ops::Range<usize>> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = source.as_bytes();
    source.match_indices(name).map(|(i, _)| i..i + name.len()).find(|r| {
        !(r.start > 0 && (word(bytes[r.start - 1]) || bytes[r.start - 1] == b'.'))
            && !bytes.get(r.end).is_some_and(|b| word(*b))
    })
}
