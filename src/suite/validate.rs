//! Semantic checks once every file has parsed: references resolve, values
//! parse for their fact kind, templates compile and read only known names,
//! extractions compile. Every problem is reported, never just the first.

use super::channel::{Channel, Extract, Extractor, RequestSpec};
use super::diagnostic::{did_you_mean, Diagnostic, Diagnostics, Place};
use super::duration::{parse_duration, parse_rate, parse_size, Dur};
use std::time::Duration;

/// The ranges `check` accepts: beyond them a value is a typo or an
/// attack, and would overflow the engine's clock arithmetic or never let a
/// run end.
pub mod limits {
    use std::time::Duration;

    const HOUR: u64 = 3600;
    const DAY: u64 = 24 * HOUR;
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(HOUR);
    pub const MAX_BACKOFF: Duration = Duration::from_secs(HOUR);
    pub const MAX_POLL_EVERY: Duration = Duration::from_secs(HOUR);
    pub const MAX_WAIT: Duration = Duration::from_secs(7 * DAY);
    pub const MAX_THINK: Duration = Duration::from_secs(DAY);
    pub const MAX_SLA: Duration = Duration::from_secs(365 * DAY);
    pub const MAX_ATTEMPTS: u32 = 10;
    pub const MAX_BODY: u64 = 256 << 20;
    pub const MAX_RATE_COUNT: u32 = 1_000_000;
    pub const MAX_RATE_PERIOD: Duration = Duration::from_secs(31 * DAY);
}
use super::map::Map;
use super::persona::Persona;
use super::scenario::{Scenario, Sweep};
use super::source::{At, FileId, Seg, Sources};
use crate::fact;
use crate::path;
use crate::template;
use minijinja::Environment;
use std::collections::{BTreeMap, BTreeSet};

/// Names every template may read, whatever the channel or step: defined
/// once, by the context builder the engine renders with.
pub use crate::template::context::GLOBALS;

/// The parsed files with their ids, as the loader hands them over.
pub struct Parts<'a> {
    pub map: (FileId, &'a Map),
    pub channels: (FileId, &'a BTreeMap<String, Channel>),
    pub personas: (FileId, &'a [Persona]),
    pub scenarios: Vec<(FileId, &'a Scenario)>,
    pub sweeps: Option<(FileId, &'a [Sweep])>,
}

pub struct Checker<'a> {
    pub sources: &'a Sources,
    pub diags: &'a mut Diagnostics,
    env: Environment<'static>,
    /// `env.NAME` references seen in any template.
    pub env_names: BTreeSet<String>,
    /// Unset variables already warned about (once each).
    warned_env: BTreeSet<String>,
}

impl<'a> Checker<'a> {
    pub fn new(sources: &'a Sources, diags: &'a mut Diagnostics) -> Self {
        Checker {
            sources,
            diags,
            env: template::environment(),
            env_names: BTreeSet::new(),
            warned_env: BTreeSet::new(),
        }
    }

    fn err(&mut self, file: FileId, path: Vec<Seg>, message: String, label: &str, hint: Option<String>) {
        self.diags.push(Diagnostic::error(message, Place::Path(file, path, At::Value)).label(label).maybe_hint(hint));
    }

    pub fn check(&mut self, parts: &Parts<'_>) {
        self.map(parts.map.0, parts.map.1, parts.channels.1);
        let step_captures: BTreeSet<String> = parts
            .scenarios
            .iter()
            .flat_map(|(_, s)| s.steps.iter().flat_map(|st| st.capture.keys().cloned()))
            .collect();
        for (name, ch) in parts.channels.1 {
            self.channel(parts.channels.0, name, ch, &step_captures);
        }
        self.personas(parts.personas.0, parts.personas.1);
        let mut seen = BTreeSet::new();
        for (file, sc) in &parts.scenarios {
            if !seen.insert(sc.id.clone()) {
                self.err(
                    *file,
                    path!["id"],
                    format!("scenario `{}` is defined twice", sc.id),
                    "duplicate id",
                    Some("give each scenario file a distinct `id`".into()),
                );
            }
            self.scenario(*file, sc, parts);
        }
        if let Some((file, sweeps)) = parts.sweeps {
            for (i, sw) in sweeps.iter().enumerate() {
                self.sweep(file, i, sw, parts);
            }
        }
    }

    fn map(&mut self, file: FileId, map: &Map, channels: &BTreeMap<String, Channel>) {
        let locale =
            fact::Locale { currency: map.locale.currency.clone(), country_code: map.locale.country_code.clone() };
        for (id, f) in &map.facts {
            let spec = f.spec(id);
            if let Err(why) = fact::parse_expected(&spec, &f.value, &locale) {
                self.err(
                    file,
                    path!["facts", id.as_str(), "value"],
                    format!("the value of fact `{id}` is not a valid {}", f.kind.name()),
                    "cannot read this value",
                    Some(why),
                );
            }
        }
        let mut ids = BTreeSet::new();
        for (i, q) in map.questions.iter().enumerate() {
            if !ids.insert(q.id.as_str()) {
                self.err(
                    file,
                    path!["questions", i, "id"],
                    format!("question `{}` is defined twice", q.id),
                    "duplicate id",
                    None,
                );
            }
            if q.asks.is_empty() {
                self.err(
                    file,
                    path!["questions", i, "asks"],
                    format!("question `{}` has no phrasing", q.id),
                    "empty",
                    Some("add at least one way a customer asks it".into()),
                );
            }
            for (j, ask) in q.asks.iter().enumerate() {
                self.template(file, path!["questions", i, "asks", j], ask, &BTreeSet::new());
            }
            for (j, fact_id) in q.expects.iter().enumerate() {
                self.fact_ref(file, path!["questions", i, "expects", j], fact_id, map);
            }
        }
        let mut jids = BTreeSet::new();
        for (i, j) in map.journeys.iter().enumerate() {
            if !jids.insert(j.id.as_str()) {
                self.err(
                    file,
                    path!["journeys", i, "id"],
                    format!("journey `{}` is defined twice", j.id),
                    "duplicate id",
                    None,
                );
            }
            if j.stages.is_empty() {
                self.err(
                    file,
                    path!["journeys", i, "stages"],
                    format!("journey `{}` has no stages", j.id),
                    "empty",
                    Some("list the stages in order, e.g. first-contact, explanation, resolution".into()),
                );
            }
            let mut sids = BTreeSet::new();
            for (k, s) in j.stages.iter().enumerate() {
                if !sids.insert(s.id.as_str()) {
                    self.err(
                        file,
                        path!["journeys", i, "stages", k, "id"],
                        format!("stage `{}` appears twice in journey `{}`", s.id, j.id),
                        "duplicate stage",
                        None,
                    );
                }
            }
        }
        if let Some(line) = &map.test_header {
            if let Err(why) = super::channel::parse_header(line) {
                self.err(
                    file,
                    path!["test_header"],
                    "`test_header` is not a header".into(),
                    "cannot send this header",
                    Some(why),
                );
            }
        }
        let names: BTreeSet<&str> = channels.keys().map(String::as_str).collect();
        self.hygiene(file, map, &names);
        self.service_levels(file, path!["sla"], &map.sla, channels);
        for (i, q) in map.questions.iter().enumerate() {
            self.service_levels(file, path!["questions", i, "sla"], &q.sla, channels);
        }
        for (i, j) in map.journeys.iter().enumerate() {
            for (k, s) in j.stages.iter().enumerate() {
                self.service_levels(file, path!["journeys", i, "stages", k, "sla"], &s.sla, channels);
            }
        }
    }

    /// A table of service levels by channel (`[sla]`, or a question's or
    /// stage's `sla`): known channels, durations in range.
    fn service_levels(
        &mut self,
        file: FileId,
        at: Vec<Seg>,
        table: &BTreeMap<String, Dur>,
        channels: &BTreeMap<String, Channel>,
    ) {
        for (channel, dur) in table {
            let mut here = at.clone();
            here.push(Seg::from(channel.as_str()));
            if !channels.contains_key(channel) {
                let hint = did_you_mean(channel, channels.keys().map(String::as_str));
                self.diags.push(
                    Diagnostic::error(
                        format!("service level for unknown channel `{channel}`"),
                        Place::Path(file, here.clone(), At::Key),
                    )
                    .label("not a channel in channels.toml")
                    .maybe_hint(hint),
                );
            }
            self.duration(file, here, dur, limits::MAX_SLA);
        }
    }

    fn fact_ref(&mut self, file: FileId, at: Vec<Seg>, fact_id: &str, map: &Map) {
        if !map.facts.contains_key(fact_id) {
            let hint = did_you_mean(fact_id, map.facts.keys().map(String::as_str))
                .or_else(|| Some("facts are defined in map.toml as [facts.<id>]".into()));
            self.err(file, at, format!("unknown fact `{fact_id}`"), "no such fact in map.toml", hint);
        }
    }

    /// A duration that parses and lies within `max` (an absurd value would
    /// overflow the engine's clock arithmetic or never end the run).
    fn duration(&mut self, file: FileId, at: Vec<Seg>, d: &Dur, max: Duration) {
        match parse_duration(&d.0) {
            Err(why) => {
                self.err(file, at, format!("`{}` is not a duration", d.0), "cannot read this duration", Some(why))
            }
            Ok(v) if v > max => self.err(
                file,
                at,
                format!("`{}` is longer than this setting allows", d.0),
                "out of range",
                Some(format!("use at most {}", humantime::format_duration(max))),
            ),
            Ok(_) => {}
        }
    }

    /// A rate or budget whose count and period are within sane bounds.
    fn rate_in_range(&mut self, file: FileId, at: Vec<Seg>, text: &str, (n, per): (u32, Duration)) {
        if n > limits::MAX_RATE_COUNT || per > limits::MAX_RATE_PERIOD || per < Duration::from_millis(1) {
            self.err(
                file,
                at,
                format!("`{text}` is out of range"),
                "out of range",
                Some(format!(
                    "use at most {} requests per period, and a period between 1ms and {}",
                    limits::MAX_RATE_COUNT,
                    humantime::format_duration(limits::MAX_RATE_PERIOD)
                )),
            );
        }
    }

    /// Where a byte range of a template is in the file: narrowed to the
    /// range when the TOML string holds the template verbatim (no escapes),
    /// else the whole value.
    fn place_in(&self, file: FileId, at: &[Seg], source: &str, range: Option<std::ops::Range<usize>>) -> Place {
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
    fn template(&mut self, file: FileId, at: Vec<Seg>, source: &str, extra: &BTreeSet<String>) {
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

    fn extract(&mut self, file: FileId, at: Vec<Seg>, ex: &Extract) {
        let resolved = match ex.resolve() {
            Ok(r) => r,
            Err(why) => return self.err(file, at, "invalid extraction".into(), "here", Some(why)),
        };
        match resolved {
            Extractor::JsonPath(p) if !template::is_template(&p) => {
                if let Err(e) = serde_json_path::JsonPath::parse(&p) {
                    self.err(
                        file,
                        at,
                        format!("`{p}` is not a valid JSONPath"),
                        "invalid JSONPath",
                        Some(format!("{e}; JSONPath looks like `$.items[0].id` (RFC 9535)")),
                    );
                }
            }
            Extractor::Regex(r) => {
                if let Err(e) = regex::Regex::new(&r) {
                    self.err(
                        file,
                        at,
                        format!("`{r}` is not a valid regex"),
                        "invalid regex",
                        Some(last_line(&e.to_string())),
                    );
                }
            }
            Extractor::Css { selector, .. } if scraper::Selector::parse(&selector).is_err() => {
                self.err(
                    file,
                    at,
                    format!("`{selector}` is not a valid CSS selector"),
                    "invalid selector",
                    Some("e.g. `article.answer` or `main > div#content`".into()),
                );
            }
            _ => {}
        }
    }

    fn request(&mut self, file: FileId, at: Vec<Seg>, req: &RequestSpec, names: &BTreeSet<String>) {
        let method = req.method.to_ascii_uppercase();
        if !["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"].contains(&method.as_str()) {
            let mut p = at.clone();
            p.push("method".into());
            self.err(
                file,
                p,
                format!("unknown HTTP method `{}`", req.method),
                "not an HTTP method",
                Some("use GET, POST, PUT, PATCH or DELETE".into()),
            );
        }
        let bodies = [req.json.is_some(), req.form.is_some(), req.body.is_some()].iter().filter(|b| **b).count();
        if bodies > 1 {
            self.err(
                file,
                at.clone(),
                "a request has more than one body".into(),
                "here",
                Some("use one of `json`, `form` or `body`".into()),
            );
        }
        let sub = |k: &str| {
            let mut p = at.clone();
            p.push(k.into());
            p
        };
        self.template(file, sub("url"), &req.url, names);
        for (k, v) in &req.headers {
            let mut p = sub("headers");
            p.push(k.as_str().into());
            self.template(file, p, v, names);
        }
        for (k, v) in &req.query {
            let mut p = sub("query");
            p.push(k.as_str().into());
            self.template(file, p, v, names);
        }
        self.auth(file, sub("auth"), req.auth.as_ref(), names);
        if let Some(b) = &req.body {
            self.template(file, sub("body"), b, names);
        }
        if let Some(form) = &req.form {
            for (k, v) in form {
                let mut p = sub("form");
                p.push(k.as_str().into());
                self.template(file, p, v, names);
            }
        }
        if let Some(json) = &req.json {
            self.json_templates(file, sub("json"), json, names);
        }
        for (k, ex) in &req.capture {
            let mut p = sub("capture");
            p.push(k.as_str().into());
            self.extract(file, p, ex);
        }
    }

    fn auth(&mut self, file: FileId, at: Vec<Seg>, auth: Option<&super::channel::Auth>, names: &BTreeSet<String>) {
        use super::channel::Auth;
        let sub = |k: &[&str]| {
            let mut p = at.clone();
            p.extend(k.iter().map(|s| Seg::from(*s)));
            p
        };
        match auth {
            Some(Auth::Basic { user, password }) => {
                self.template(file, sub(&["basic", "user"]), user, names);
                self.template(file, sub(&["basic", "password"]), password, names);
            }
            Some(Auth::Bearer(token)) => self.template(file, sub(&["bearer"]), token, names),
            None => {}
        }
    }

    fn json_templates(&mut self, file: FileId, at: Vec<Seg>, v: &toml::Value, names: &BTreeSet<String>) {
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

    fn channel(&mut self, file: FileId, name: &str, ch: &Channel, step_captures: &BTreeSet<String>) {
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
            super::channel::OneOrMany::One(r) => self.request(file, path![name, "send"], r, &names),
            super::channel::OneOrMany::Many(rs) => {
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
        use super::channel::ReceiveMode;
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

    /// `receive.header_block` and `receive.verify` (`suite::callback`).
    fn callback(&mut self, file: FileId, name: &str, rx: &super::channel::Receive, names: &BTreeSet<String>) {
        use super::callback::Over;
        use super::channel::ReceiveMode;
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
    fn stream(&mut self, file: FileId, name: &str, rx: &super::channel::Receive) {
        use super::channel::ReceiveMode;
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
    fn websocket(&mut self, file: FileId, name: &str, ch: &super::channel::Channel) {
        use super::channel::{OneOrMany, ReceiveMode};
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

    fn personas(&mut self, file: FileId, personas: &[Persona]) {
        let mut ids = BTreeSet::new();
        if personas.is_empty() {
            self.diags.push(
                Diagnostic::error("the suite has no personas", Place::Span(file, 0..0))
                    .hint("add a `[[personas]]` table with id, name and email"),
            );
        }
        for (i, p) in personas.iter().enumerate() {
            if !ids.insert(p.id.as_str()) {
                self.err(
                    file,
                    path!["personas", i, "id"],
                    format!("persona `{}` is defined twice", p.id),
                    "duplicate id",
                    None,
                );
            }
            if !p.email.contains('@') {
                self.err(
                    file,
                    path!["personas", i, "email"],
                    format!("`{}` is not an email address", p.email),
                    "no `@`",
                    Some("personas need an address the email channel can reply to".into()),
                );
            }
            self.duration(file, path!["personas", i, "think", "min"], &p.think.min, limits::MAX_THINK);
            self.duration(file, path!["personas", i, "think", "max"], &p.think.max, limits::MAX_THINK);
        }
    }

    fn reference(&mut self, file: FileId, at: Vec<Seg>, what: &str, id: &str, known: &[&str], where_: &str) {
        if !known.contains(&id) {
            let hint = did_you_mean(id, known.iter().copied())
                .or_else(|| Some(format!("known {what}s: {}", known.join(", "))));
            self.err(file, at, format!("unknown {what} `{id}`"), &format!("no such {what} in {where_}"), hint);
        }
    }

    fn scenario(&mut self, file: FileId, sc: &Scenario, parts: &Parts<'_>) {
        let map = parts.map.1;
        let persona_ids: Vec<&str> = parts.personas.1.iter().map(|p| p.id.as_str()).collect();
        let channel_ids: Vec<&str> = parts.channels.1.keys().map(String::as_str).collect();
        let question_ids: Vec<&str> = map.questions.iter().map(|q| q.id.as_str()).collect();
        let journey_ids: Vec<&str> = map.journeys.iter().map(|j| j.id.as_str()).collect();
        if sc.persona.is_none() && sc.personas.is_empty() {
            self.diags.push(
                Diagnostic::error(format!("scenario `{}` names no persona", sc.id), Place::Span(file, 0..0))
                    .hint("add `persona = \"<id>\"` or `personas = [...]`"),
            );
        }
        if let Some(p) = &sc.persona {
            self.reference(file, path!["persona"], "persona", p, &persona_ids, "personas.toml");
        }
        for (i, p) in sc.personas.iter().enumerate() {
            self.reference(file, path!["personas", i], "persona", p, &persona_ids, "personas.toml");
        }
        self.reference(file, path!["journey"], "journey", &sc.journey, &journey_ids, "map.toml");
        let stages: Vec<&str> =
            map.journey(&sc.journey).map(|j| j.stages.iter().map(|s| s.id.as_str()).collect()).unwrap_or_default();
        if sc.steps.is_empty() {
            self.err(file, path!["steps"], format!("scenario `{}` has no steps", sc.id), "empty", None);
        }
        let mut captured: BTreeSet<String> = BTreeSet::new();
        let later: BTreeMap<&str, usize> =
            sc.steps.iter().enumerate().flat_map(|(i, s)| s.capture.keys().map(move |k| (k.as_str(), i + 1))).collect();
        for (i, step) in sc.steps.iter().enumerate() {
            if map.journey(&sc.journey).is_some() {
                self.reference(
                    file,
                    path!["steps", i, "stage"],
                    "stage",
                    &step.stage,
                    &stages,
                    &format!("journey `{}`", sc.journey),
                );
            }
            self.reference(file, path!["steps", i, "channel"], "channel", &step.channel, &channel_ids, "channels.toml");
            match (&step.ask, &step.say) {
                (Some(q), None) => {
                    self.reference(file, path!["steps", i, "ask"], "question", q, &question_ids, "map.toml")
                }
                (None, Some(say)) => self.step_template(file, path!["steps", i, "say"], say, &captured, &later),
                (Some(_), Some(_)) => self.err(
                    file,
                    path!["steps", i, "say"],
                    "a step either asks a question or says something, not both".into(),
                    "remove `ask` or `say`",
                    None,
                ),
                (None, None) => self.err(
                    file,
                    path!["steps", i],
                    "a step needs `ask = \"<question>\"` or `say = \"<words>\"`".into(),
                    "nothing to send",
                    None,
                ),
            }
            if let Some(subject) = &step.subject {
                self.step_template(file, path!["steps", i, "subject"], subject, &captured, &later);
            }
            for (j, f) in step.expects.iter().enumerate() {
                self.fact_ref(file, path!["steps", i, "expects", j], f, map);
            }
            if let Some(r) = &step.recognises {
                if !captured.contains(r) {
                    let hint = match later.get(r.as_str()) {
                        Some(n) => Some(format!("`{r}` is captured at step {n}; move this step after it")),
                        None => did_you_mean(r, captured.iter().map(String::as_str))
                            .or_else(|| Some("capture it on an earlier step: capture = { name = \"REGEX\" }".into())),
                    };
                    self.err(
                        file,
                        path!["steps", i, "recognises"],
                        format!("`{r}` is not captured before this step"),
                        "used before capture",
                        hint,
                    );
                }
            }
            for (k, ex) in &step.capture {
                self.extract(file, path!["steps", i, "capture", k.as_str()], ex);
            }
            captured.extend(step.capture.keys().cloned());
        }
    }

    fn step_template(
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

    fn sweep(&mut self, file: FileId, i: usize, sw: &Sweep, parts: &Parts<'_>) {
        let map = parts.map.1;
        let lists: [(&str, &Vec<String>, Vec<&str>, &str); 3] = [
            ("questions", &sw.questions, map.questions.iter().map(|q| q.id.as_str()).collect(), "map.toml"),
            ("channels", &sw.channels, parts.channels.1.keys().map(String::as_str).collect(), "channels.toml"),
            ("personas", &sw.personas, parts.personas.1.iter().map(|p| p.id.as_str()).collect(), "personas.toml"),
        ];
        for (key, list, known, where_) in lists {
            let what = key.trim_end_matches('s');
            for (j, id) in list.iter().enumerate() {
                if id != "*" {
                    self.reference(file, path!["sweeps", i, key, j], what, id, &known, where_);
                }
            }
        }
        if let Some(j) = &sw.journey {
            let journey_ids: Vec<&str> = map.journeys.iter().map(|j| j.id.as_str()).collect();
            self.reference(file, path!["sweeps", i, "journey"], "journey", j, &journey_ids, "map.toml");
            if let (Some(stage), Some(journey)) = (&sw.stage, map.journey(j)) {
                let stages: Vec<&str> = journey.stages.iter().map(|s| s.id.as_str()).collect();
                self.reference(file, path!["sweeps", i, "stage"], "stage", stage, &stages, &format!("journey `{j}`"));
            }
        }
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

/// The regex crate's errors end with the line that says what is wrong.
fn last_line(s: &str) -> String {
    s.lines().last().unwrap_or(s).to_string()
}

fn over_name(o: super::callback::Over) -> &'static str {
    use super::callback::Over;
    match o {
        Over::Body => "body",
        Over::TimestampToken => "timestamp+token",
        Over::UrlParams => "url+params",
    }
}
