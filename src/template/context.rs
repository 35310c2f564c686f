//! The one template context: which names a suite template may read, and the
//! builder that gives them values. The engine renders with it, `--dry-run`
//! renders with it (environment masked), and `touchpoint check` reads
//! [`GLOBALS`] and the field lists here, so a name is valid in `check`
//! exactly when a run gives it a value.

use super::vars::Vars;
use crate::suite::Persona;
use serde_json::{json, Map, Value};
use std::cell::OnceCell;

/// Names every template may read, whatever the channel or step. Captured
/// values (`{{ conversation }}`, `{{ case_ref }}`) come on top, per channel
/// and step.
pub const GLOBALS: &[&str] = &["persona", "env", "target", "run", "message", "subject", "cursor", "webhook_url"];

/// The fields of `{{ persona.* }}` (see [`persona_layer`]); `vars` is free-form.
pub const PERSONA_FIELDS: &[&str] = &["id", "name", "first_name", "email", "segment", "vars"];

/// The fields of `{{ run.* }}`.
pub const RUN_FIELDS: &[&str] = &["id", "seed"];

/// What every template of a run can read: `env`, `target`, `run`.
pub fn base(env: Map<String, Value>, target: &str, run_id: &str, seed: u64) -> Map<String, Value> {
    let mut ctx = Map::new();
    ctx.insert("env".into(), Value::Object(env));
    ctx.insert("target".into(), Value::String(target.trim_end_matches('/').to_string()));
    ctx.insert("run".into(), json!({ "id": run_id, "seed": seed }));
    ctx
}

/// The values of the environment variables `names`, as the engine reads
/// them; the names that are unset are returned apart.
pub fn env_values<'a>(names: impl IntoIterator<Item = &'a String>) -> (Map<String, Value>, Vec<String>) {
    let mut values = Map::new();
    let mut missing = Vec::new();
    for n in names {
        match std::env::var(n) {
            Ok(v) => {
                values.insert(n.clone(), Value::String(v));
            }
            Err(_) => missing.push(n.clone()),
        }
    }
    (values, missing)
}

/// The run's layer of every context (`env`, `target`, `run`), converted
/// for templates once per run and shared by every render; with it, the same
/// `env` with each value masked, for what is recorded.
#[derive(Debug, Clone)]
pub struct Base {
    value: minijinja::Value,
    /// `{"env": {NAME: "***"}}`, laid over `value` when rendering what is recorded.
    masked_env: minijinja::Value,
    /// Templates that read only this layer, rendered once for the run.
    run_wide: std::sync::Arc<super::run_wide::RunWide>,
}

impl Base {
    /// `map` as [`base`] builds it.
    pub fn new(map: &Map<String, Value>) -> Base {
        let mut masked = Map::new();
        if let Some(Value::Object(env)) = map.get("env") {
            let env: Map<String, Value> =
                env.keys().map(|k| (k.clone(), Value::String(crate::redact::MASK.into()))).collect();
            masked.insert("env".into(), Value::Object(env));
        }
        Base {
            value: minijinja::Value::from_serialize(map),
            masked_env: minijinja::Value::from_serialize(&masked),
            run_wide: Default::default(),
        }
    }
}

/// The persona as templates see it ([`PERSONA_FIELDS`]).
pub fn persona_layer(p: &Persona) -> minijinja::Value {
    minijinja::Value::from_object(PersonaView::Own(p.clone()))
}

/// The persona `at` of `suite` as templates see it, each field read where
/// the suite holds it when a template asks: the engine's walks share a
/// handle (~50 bytes) rather than a converted copy of every persona
/// (~400 bytes each; 10,000 waiting personas: 4 MB).
pub fn persona_in(suite: &std::sync::Arc<crate::suite::Suite>, at: usize) -> minijinja::Value {
    minijinja::Value::from_object(PersonaView::InSuite(suite.clone(), at))
}

#[derive(Debug)]
enum PersonaView {
    InSuite(std::sync::Arc<crate::suite::Suite>, usize),
    Own(Persona),
}

impl PersonaView {
    fn persona(&self) -> Option<&Persona> {
        match self {
            PersonaView::InSuite(suite, at) => suite.personas.get(*at),
            PersonaView::Own(p) => Some(p),
        }
    }
}

impl minijinja::value::Object for PersonaView {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        use minijinja::Value as V;
        let p = self.persona()?;
        Some(match key.as_str()? {
            "id" => V::from(p.id.as_str()),
            "name" => V::from(p.name.as_str()),
            "first_name" => V::from(p.first_name()),
            "email" => V::from(p.email.as_str()),
            "segment" => V::from(p.segment.as_str()),
            "vars" => {
                let vars: std::collections::BTreeMap<&str, V> =
                    p.vars.iter().map(|(k, v)| (k.as_str(), V::from(v.as_str()))).collect();
                V::from(vars)
            }
            _ => return None,
        })
    }

    /// In the order the map this replaced listed them: `{{ persona }}` and
    /// `{{ persona | tojson }}` read as before.
    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        minijinja::value::Enumerator::Str(PERSONA_FIELDS)
    }
}

/// The context of one render, layered from the widest to the narrowest:
/// the run's base, the persona, values the walk captured, values this
/// conversation captured (and its cursor), then the message itself. The
/// wide layers are converted once (per run, per walk) and shared; the
/// narrow ones are read where they are.
#[derive(Clone, Copy)]
pub struct Layers<'a> {
    pub base: &'a Base,
    pub persona: &'a minijinja::Value,
    pub walk_vars: &'a Vars,
    pub conversation_vars: Option<&'a Vars>,
    /// `(message, subject)`; absent while rendering the message itself.
    pub message: Option<(&'a str, &'a str)>,
    pub webhook_url: Option<&'a str>,
}

/// A context ready to render with: the layers, looked up narrowest first
/// (no layer is copied into another). A plain template (`template/plain.rs`)
/// reads the layers where they are; the template values minijinja needs
/// are built on first use and at most once.
pub struct Context<'a> {
    layers: Layers<'a>,
    /// Everything above the base, narrower layers already applied (a
    /// `BTreeMap<String, minijinja::Value>`).
    top: OnceCell<minijinja::Value>,
    value: OnceCell<minijinja::Value>,
    masked: OnceCell<minijinja::Value>,
}

type Top = std::collections::BTreeMap<String, minijinja::Value>;

impl<'a> Layers<'a> {
    /// The layers a step's own message is rendered in: the run, the persona
    /// and what the walk captured (no conversation, no message yet).
    pub fn for_message(base: &'a Base, persona: &'a minijinja::Value, walk_vars: &'a Vars) -> Self {
        Layers { base, persona, walk_vars, conversation_vars: None, message: None, webhook_url: None }
    }

    /// The context of these layers (nothing is converted yet).
    pub fn build(&self) -> Context<'a> {
        Context { layers: *self, top: OnceCell::new(), value: OnceCell::new(), masked: OnceCell::new() }
    }

    /// The layers above the base as one map for minijinja.
    fn top(&self) -> minijinja::Value {
        let mut top = Top::new();
        top.insert("persona".to_string(), self.persona.clone());
        for (k, v) in self.walk_vars.iter().chain(self.conversation_vars.into_iter().flatten()) {
            top.insert(k.clone(), minijinja::Value::from_serialize(v));
        }
        if let Some((message, subject)) = self.message {
            top.insert("message".into(), minijinja::Value::from(message));
            top.insert("subject".into(), minijinja::Value::from(subject));
        }
        if let Some(url) = self.webhook_url {
            top.insert("webhook_url".into(), minijinja::Value::from(url));
        }
        minijinja::Value::from(top)
    }
}

impl Context<'_> {
    fn top(&self) -> &minijinja::Value {
        self.top.get_or_init(|| self.layers.top())
    }

    /// The run's renders of templates that read only `target`, `run` and
    /// `env`; `None` when a narrower layer shadows one of those names.
    pub fn run_wide(&self) -> Option<&super::run_wide::RunWide> {
        let l = &self.layers;
        let shadowed = ["target", "run", "env"]
            .iter()
            .any(|n| l.walk_vars.contains_key(n) || l.conversation_vars.is_some_and(|c| c.contains_key(n)));
        (!shadowed).then_some(&*l.base.run_wide)
    }

    /// The context as sent.
    pub fn value(&self) -> &minijinja::Value {
        self.value.get_or_init(|| minijinja::value::merge_maps([self.layers.base.value.clone(), self.top().clone()]))
    }

    /// The context as recorded: every `env` value masked.
    pub fn masked(&self) -> &minijinja::Value {
        self.masked.get_or_init(|| {
            let base = self.layers.base;
            minijinja::value::merge_maps([base.value.clone(), base.masked_env.clone(), self.top().clone()])
        })
    }

    /// `source` rendered in this context (`masked`: as recorded): a plain
    /// template by looking its names up, anything else by minijinja.
    pub fn render(&self, env: &minijinja::Environment<'_>, source: &str, masked: bool) -> Result<String, String> {
        if let Some(out) = super::plain::render(source, |name, out| self.put(name, masked, None, out)) {
            return Ok(out);
        }
        super::render(env, source, if masked { self.masked() } else { self.value() })
    }

    /// `source` rendered as a URL path ([`Context::path`]'s values).
    pub fn render_path(
        &self,
        env: &minijinja::Environment<'_>,
        source: &str,
        masked: bool,
        encode: &dyn Fn(&str) -> String,
    ) -> Result<String, String> {
        if let Some(out) = super::plain::render(source, |name, out| self.put(name, masked, Some(encode), out)) {
            return Ok(out);
        }
        super::render(env, source, &self.path(masked, encode))
    }

    /// Appends the string value of the dotted `name` as minijinja would
    /// print it from [`Context::value`] (`masked`: [`Context::masked`];
    /// `encode`: [`Context::path`]); false when it is not a string there
    /// (absent, a number, an object…), and the caller renders with minijinja.
    fn put(&self, name: &str, masked: bool, encode: Option<&dyn Fn(&str) -> String>, out: &mut String) -> bool {
        let l = &self.layers;
        let (root, fields) = match name.split_once('.') {
            Some((root, fields)) => (root, Some(fields)),
            None => (name, None),
        };
        // A top-level string above the base goes through `encode` in a
        // path, except the run's own URLs (`Context::path`).
        let top_string = |s: &str, out: &mut String| {
            match encode.filter(|_| root != "target" && root != "webhook_url") {
                Some(encode) => out.push_str(&encode(s)),
                None => out.push_str(s),
            }
            true
        };
        // Narrowest first, as `Layers::top` overwrites.
        if let Some(url) = l.webhook_url.filter(|_| root == "webhook_url") {
            return fields.is_none() && top_string(url, out);
        }
        if let Some((message, subject)) = l.message {
            match root {
                "message" => return fields.is_none() && top_string(message, out),
                "subject" => return fields.is_none() && top_string(subject, out),
                _ => {}
            }
        }
        for vars in l.conversation_vars.into_iter().chain([l.walk_vars]) {
            if let Some(v) = vars.get(root) {
                return match (fields, v) {
                    (None, Value::String(s)) => top_string(s, out),
                    (Some(fields), v) => match fields.split('.').try_fold(v, |v, f| v.as_object()?.get(f)) {
                        Some(Value::String(s)) => {
                            out.push_str(s);
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
            }
        }
        let value = if root == "persona" {
            l.persona.clone()
        } else {
            let masked_env = if masked && root == "env" { l.base.masked_env.get_attr(root).ok() } else { None };
            match masked_env.filter(|v| !v.is_undefined()) {
                Some(v) => v,
                None => match l.base.value.get_attr(root) {
                    Ok(v) => v,
                    Err(_) => return false,
                },
            }
        };
        let mut value = value;
        for field in fields.into_iter().flat_map(|f| f.split('.')) {
            value = match value.get_attr(field) {
                Ok(v) => v,
                Err(_) => return false,
            };
        }
        match value.as_str() {
            Some(s) if !value.is_undefined() => {
                out.push_str(s);
                true
            }
            _ => false,
        }
    }

    /// The context for a URL path: every top-level string above the base
    /// (captured values, the cursor, the message) passed through `encode`;
    /// the run's own URLs (`target`, `webhook_url`) and objects (`persona`,
    /// `env`) stay as they are.
    pub fn path(&self, masked: bool, encode: impl Fn(&str) -> String) -> minijinja::Value {
        let empty = Top::new();
        let top: Top = self
            .top()
            .downcast_object_ref::<Top>()
            .unwrap_or(&empty)
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) if k != "target" && k != "webhook_url" => (k.clone(), minijinja::Value::from(encode(s))),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        let base = self.layers.base;
        let mut layers = vec![base.value.clone()];
        if masked {
            layers.push(base.masked_env.clone());
        }
        layers.push(minijinja::Value::from(top));
        minijinja::value::merge_maps(layers)
    }
}

/// For `check`: whether a dotted name read by a template (`persona.nmae`)
/// exists, and if not, the field list to suggest from.
pub fn known_field(dotted: &str) -> Result<(), (&'static str, &'static [&'static str])> {
    let mut parts = dotted.split('.');
    let (Some(root), Some(field)) = (parts.next(), parts.next()) else { return Ok(()) };
    let fields = match root {
        "persona" => PERSONA_FIELDS,
        "run" => RUN_FIELDS,
        _ => return Ok(()),
    };
    if fields.contains(&field) {
        Ok(())
    } else {
        Err((if root == "persona" { "persona" } else { "run" }, fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persona_fields_are_the_ones_built() {
        let p: Persona = toml::from_str("id = 'a'\nname = 'Ann Lee'\nemail = 'a@example.com'").unwrap();
        let v = persona_layer(&p);
        let mut keys: Vec<String> = v.try_iter().unwrap().map(|k| k.to_string()).collect();
        keys.sort();
        let mut expected = PERSONA_FIELDS.to_vec();
        expected.sort();
        assert_eq!(keys, expected);
        let run = base(Map::new(), "http://x/", "r", 1);
        let mut run_keys: Vec<&str> = run["run"].as_object().unwrap().keys().map(String::as_str).collect();
        run_keys.sort();
        assert_eq!(run_keys, RUN_FIELDS);
        assert!(known_field("persona.nmae").is_err());
        assert!(known_field("persona.vars.anything").is_ok());
        assert!(known_field("case_ref").is_ok());
    }

    /// The persona read where the suite holds it renders as the converted
    /// map did, whole too (`{{ persona }}`, `tojson`).
    #[test]
    fn a_persona_in_the_suite_reads_as_a_map_of_its_fields() {
        let p: Persona =
            toml::from_str("id = 'a'\nname = 'Ann Lee'\nemail = 'a@example.com'\nvars = { account = 'AC-1' }").unwrap();
        let map = minijinja::context! {
            id => p.id.as_str(), name => p.name.as_str(), first_name => p.first_name(), email => p.email.as_str(),
            segment => p.segment.as_str(), vars => minijinja::context! { account => "AC-1" },
        };
        let env = minijinja::Environment::new();
        let t = "{{ persona }}|{{ persona | tojson }}|{{ persona | length }}|{{ persona.vars }}|{{ persona.nope is undefined }}|{{ persona['email'] }}";
        let as_map = env.render_str(t, minijinja::context! { persona => map }).unwrap();
        assert_eq!(env.render_str(t, minijinja::context! { persona => persona_layer(&p) }).unwrap(), as_map);
    }

    #[test]
    fn persona_layer_holds_each_field() {
        let p: Persona =
            toml::from_str("id = 'a'\nname = 'Ann Lee'\nemail = 'a@example.com'\nvars = { account = 'AC-1' }").unwrap();
        let env = minijinja::Environment::new();
        let rendered = env
            .render_str(
                "{{ persona.id }}|{{ persona.name }}|{{ persona.first_name }}|{{ persona.email }}|{{ persona.segment }}|{{ persona.vars.account }}|{{ persona.vars.x }}|{{ persona | length }}",
                minijinja::context! { persona => persona_layer(&p) },
            )
            .unwrap();
        assert_eq!(rendered, format!("a|Ann Lee|Ann|a@example.com|{}|AC-1||6", p.segment));
    }

    #[test]
    fn narrower_layers_win() {
        let env: Map<String, Value> = [("TOKEN".to_string(), json!("s3cret"))].into_iter().collect();
        let base = Base::new(&base(env, "http://t", "r", 1));
        let walk: Vars =
            [("cursor".to_string(), json!("walk")), ("case".to_string(), json!("a/b"))].into_iter().collect();
        let conv: Vars = [("cursor".to_string(), json!("conv"))].into_iter().collect();
        let persona = minijinja::Value::from_serialize(json!({"name": "Ann"}));
        let ctx = Layers {
            base: &base,
            persona: &persona,
            walk_vars: &walk,
            conversation_vars: Some(&conv),
            message: Some(("hi", "")),
            webhook_url: Some("http://hook/x"),
        }
        .build();
        let v = ctx.value();
        let get = |v: &minijinja::Value, k: &str| v.get_attr(k).unwrap().to_string();
        assert_eq!(get(v, "cursor"), "conv");
        assert_eq!(get(v, "message"), "hi");
        assert_eq!(get(v, "target"), "http://t");
        assert_eq!(get(&v.get_attr("persona").unwrap(), "name"), "Ann");
        assert_eq!(get(&v.get_attr("env").unwrap(), "TOKEN"), "s3cret");
        assert_eq!(get(&ctx.masked().get_attr("env").unwrap(), "TOKEN"), "***");
        let path = ctx.path(false, |s| s.replace('/', "%2F"));
        assert_eq!(get(&path, "case"), "a%2Fb");
        assert_eq!(get(&path, "webhook_url"), "http://hook/x", "the run's own URLs are not segments");
        assert_eq!(get(&path, "target"), "http://t");
    }

    /// A plain template looked up in the layers renders what minijinja
    /// renders from the merged context, as sent, as recorded and in a path,
    /// whichever layer holds (or shadows) the name.
    #[test]
    fn plain_lookups_render_as_the_merged_context() {
        let env_vars: Map<String, Value> = [("TOKEN".to_string(), json!("s3cret"))].into_iter().collect();
        let base = Base::new(&base(env_vars, "http://t/", "r", 1));
        let walk: Vars = [
            ("cursor".to_string(), json!("walk")),
            ("case".to_string(), json!("a/b")),
            ("persona".to_string(), json!({"email": "shadow@x"})),
            ("order".to_string(), json!({"id": "o/1", "n": 2})),
            ("n".to_string(), json!(5)),
        ]
        .into_iter()
        .collect();
        let conv: Vars = [
            ("cursor".to_string(), json!("c/2")),
            ("message".to_string(), json!("captured")),
            ("target".to_string(), json!("http://captured/x")),
        ]
        .into_iter()
        .collect();
        let persona = persona_layer(&toml::from_str("id = 'p/1'\nname = 'Ann Lee'\nemail = 'a@x'").unwrap());
        let env = crate::template::environment();
        let sources = [
            "{{ cursor }}",
            "{{ case }}/{{ message }}?s={{ subject }}",
            "{{ persona.email }}",
            "{{ order.id }}",
            "{{ order.n }}",
            "{{ n }}",
            "{{ target }}",
            "{{ run.id }}",
            "{{ env.TOKEN }}",
            "Bearer {{ env.TOKEN }}",
            "{{ env.UNSET }}",
            "{{ webhook_url }}",
            "{{ missing }}",
            "{{ order.missing }}",
        ];
        for (persona_layer, walk_vars, conversation_vars) in
            [(&persona, &walk, Some(&conv)), (&persona, &Vars::new(), None)]
        {
            for (message, webhook_url) in [(Some(("hi/there", "subj")), Some("http://hook/1")), (None, None)] {
                let layers =
                    Layers { base: &base, persona: persona_layer, walk_vars, conversation_vars, message, webhook_url };
                let ctx = layers.build();
                for source in sources {
                    for masked in [false, true] {
                        let merged =
                            if masked { layers.build().masked().clone() } else { layers.build().value().clone() };
                        assert_eq!(
                            ctx.render(&env, source, masked),
                            crate::template::render(&env, source, &merged),
                            "{source} (masked: {masked})"
                        );
                        let encode = |s: &str| s.replace('/', "%2F");
                        assert_eq!(
                            ctx.render_path(&env, source, masked, &encode),
                            crate::template::render(&env, source, &layers.build().path(masked, encode)),
                            "{source} in a path (masked: {masked})"
                        );
                    }
                }
            }
        }
    }
}
