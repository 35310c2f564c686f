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

/// The fields of `{{ persona.* }}` (see [`persona`]); `vars` is free-form.
pub const PERSONA_FIELDS: &[&str] = &["id", "name", "first_name", "email", "segment", "vars"];

/// The fields of `{{ run.* }}`.
pub const RUN_FIELDS: &[&str] = &["id", "seed"];

/// The persona as templates see it.
pub fn persona(p: &Persona) -> Value {
    json!({
        "id": p.id, "name": p.name, "first_name": p.first_name(), "email": p.email,
        "segment": p.segment, "vars": p.vars,
    })
}

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

/// The context of one render, layered from the widest to the narrowest:
/// the run's base, the persona, values the walk captured, values this
/// conversation captured (and its cursor), then the message itself.
pub struct Layers<'a> {
    pub base: &'a Map<String, Value>,
    pub persona: &'a Value,
    pub walk_vars: &'a Map<String, Value>,
    pub conversation_vars: Option<&'a Map<String, Value>>,
    /// `(message, subject)`; absent while rendering the message itself.
    pub message: Option<(&'a str, &'a str)>,
    pub webhook_url: Option<&'a str>,
}

impl Layers<'_> {
    pub fn build(&self) -> Value {
        let mut ctx = self.base.clone();
        ctx.insert("persona".into(), self.persona.clone());
        for (k, v) in self.walk_vars {
            ctx.insert(k.clone(), v.clone());
        }
        for (k, v) in self.conversation_vars.into_iter().flatten() {
            ctx.insert(k.clone(), v.clone());
        }
        if let Some((message, subject)) = self.message {
            ctx.insert("message".into(), Value::String(message.to_string()));
            ctx.insert("subject".into(), Value::String(subject.to_string()));
        }
        if let Some(url) = self.webhook_url {
            ctx.insert("webhook_url".into(), Value::String(url.to_string()));
        }
        Value::Object(ctx)
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
        let v = persona(&p);
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
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
    fn narrower_layers_win() {
        let base = base(Map::new(), "http://t", "r", 1);
        let walk: Map<String, Value> = [("cursor".to_string(), json!("walk"))].into_iter().collect();
        let conv: Map<String, Value> = [("cursor".to_string(), json!("conv"))].into_iter().collect();
        let ctx = Layers {
            base: &base,
            persona: &json!({}),
            walk_vars: &walk,
            conversation_vars: Some(&conv),
            message: Some(("hi", "")),
            webhook_url: None,
        }
        .build();
        assert_eq!(ctx["cursor"], "conv");
        assert_eq!(ctx["message"], "hi");
        assert_eq!(ctx["target"], "http://t");
    }
}
