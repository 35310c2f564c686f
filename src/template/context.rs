//! The one template context: which names a suite template may read, and the
//! builder that gives them values. The engine renders with it, `--dry-run`
//! renders with it (environment masked), and `touchpoint check` reads
//! [`GLOBALS`] and the field lists here, so a name is valid in `check`
//! exactly when a run gives it a value.

use crate::suite::Persona;
use serde_json::{json, Map, Value};

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

/// The persona as templates see it ([`PERSONA_FIELDS`]), converted to
/// template values once per run (the engine shares it between the walks of a persona).
pub fn persona_layer(p: &Persona) -> minijinja::Value {
    use minijinja::Value as V;
    let vars: std::collections::BTreeMap<&str, V> =
        p.vars.iter().map(|(k, v)| (k.as_str(), V::from(v.as_str()))).collect();
    minijinja::context! {
        id => p.id.as_str(), name => p.name.as_str(), first_name => p.first_name(), email => p.email.as_str(),
        segment => p.segment.as_str(), vars => V::from(vars),
    }
}

/// The context of one render, layered from the widest to the narrowest:
/// the run's base, the persona, values the walk captured, values this
/// conversation captured (and its cursor), then the message itself. The
/// wide layers are converted once (per run, per walk) and shared; only the
/// narrow ones are built per render.
pub struct Layers<'a> {
    pub base: &'a Base,
    pub persona: &'a minijinja::Value,
    pub walk_vars: &'a Map<String, Value>,
    pub conversation_vars: Option<&'a Map<String, Value>>,
    /// `(message, subject)`; absent while rendering the message itself.
    pub message: Option<(&'a str, &'a str)>,
    pub webhook_url: Option<&'a str>,
}

/// A context ready to render with: the layers, looked up narrowest first
/// (no layer is copied into another).
#[derive(Debug, Clone)]
pub struct Context {
    base: Base,
    /// Everything above the base, narrower layers already applied (a
    /// `BTreeMap<String, minijinja::Value>`, built once per render).
    top: minijinja::Value,
}

type Top = std::collections::BTreeMap<String, minijinja::Value>;

impl<'a> Layers<'a> {
    /// The layers a step's own message is rendered in: the run, the persona
    /// and what the walk captured (no conversation, no message yet).
    pub fn for_message(base: &'a Base, persona: &'a minijinja::Value, walk_vars: &'a Map<String, Value>) -> Self {
        Layers { base, persona, walk_vars, conversation_vars: None, message: None, webhook_url: None }
    }

    pub fn build(&self) -> Context {
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
        Context { base: self.base.clone(), top: minijinja::Value::from(top) }
    }
}

impl Context {
    /// The run's renders of templates that read only `target`, `run` and
    /// `env`; `None` when a narrower layer shadows one of those names.
    pub fn run_wide(&self) -> Option<&super::run_wide::RunWide> {
        let shadowed = self
            .top
            .downcast_object_ref::<Top>()
            .map_or(true, |top| ["target", "run", "env"].iter().any(|n| top.contains_key(*n)));
        (!shadowed).then_some(&*self.base.run_wide)
    }

    /// The context as sent.
    pub fn value(&self) -> minijinja::Value {
        minijinja::value::merge_maps([self.base.value.clone(), self.top.clone()])
    }

    /// The context as recorded: every `env` value masked.
    pub fn masked(&self) -> minijinja::Value {
        minijinja::value::merge_maps([self.base.value.clone(), self.base.masked_env.clone(), self.top.clone()])
    }

    /// The context for a URL path: every top-level string above the base
    /// (captured values, the cursor, the message) passed through `encode`;
    /// the run's own URLs (`target`, `webhook_url`) and objects (`persona`,
    /// `env`) stay as they are.
    pub fn path(&self, masked: bool, encode: impl Fn(&str) -> String) -> minijinja::Value {
        let empty = Top::new();
        let top: Top = self
            .top
            .downcast_object_ref::<Top>()
            .unwrap_or(&empty)
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) if k != "target" && k != "webhook_url" => (k.clone(), minijinja::Value::from(encode(s))),
                _ => (k.clone(), v.clone()),
            })
            .collect();
        let mut layers = vec![self.base.value.clone()];
        if masked {
            layers.push(self.base.masked_env.clone());
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
        let walk: Map<String, Value> =
            [("cursor".to_string(), json!("walk")), ("case".to_string(), json!("a/b"))].into_iter().collect();
        let conv: Map<String, Value> = [("cursor".to_string(), json!("conv"))].into_iter().collect();
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
        assert_eq!(get(&v, "cursor"), "conv");
        assert_eq!(get(&v, "message"), "hi");
        assert_eq!(get(&v, "target"), "http://t");
        assert_eq!(get(&v.get_attr("persona").unwrap(), "name"), "Ann");
        assert_eq!(get(&v.get_attr("env").unwrap(), "TOKEN"), "s3cret");
        assert_eq!(get(&ctx.masked().get_attr("env").unwrap(), "TOKEN"), "***");
        let path = ctx.path(false, |s| s.replace('/', "%2F"));
        assert_eq!(get(&path, "case"), "a%2Fb");
        assert_eq!(get(&path, "webhook_url"), "http://hook/x", "the run's own URLs are not segments");
        assert_eq!(get(&path, "target"), "http://t");
    }
}
