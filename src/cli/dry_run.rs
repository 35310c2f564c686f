//! `run --dry-run`: every step rendered exactly as the engine would send it —
//! the same template context, the same request preparation
//! (`engine::conversation::prepare`) — with environment values masked as
//! `***`, values that would be captured at run time shown as `$name`, and
//! the environment variables that are missing listed. Nothing is sent.

use super::args::RunArgs;
use super::exit;
use crate::engine::conversation::prepare;
use crate::engine::prepare::Prepared;
use crate::suite::channel::{ReceiveMode, RequestSpec};
use crate::suite::Suite;
use crate::template::context::{self, Layers};
use crate::template::vars::Vars;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;

pub fn dry_run(suite: &Suite, args: &RunArgs, target: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    match write(suite, args, target, &mut out) {
        Ok(()) => exit::OK,
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("error: {e}");
            exit::RUNTIME
        }
    }
}

fn write(suite: &Suite, args: &RunArgs, target: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let w = &args.walk;
    let walks =
        crate::plan::plan(suite, &crate::plan::PlanOptions { seed: w.seed, repeat: w.repeat, only: w.only.clone() });
    let redactor = crate::redact::Redactor::from_env(suite.env_names.iter());
    let (set, missing) = context::env_values(suite.env_names.iter());
    let masked: Map<String, Value> = set.keys().map(|k| (k.clone(), Value::String("***".into()))).collect();
    let base = context::Base::new(&context::base(masked, target, "dry-run", w.seed));
    let templates = crate::template::compiled(crate::engine::template_sources(suite), w.seed);
    writeln!(out, "# dry run: {} walks against {target}; nothing is sent", walks.len())?;
    if !missing.is_empty() {
        writeln!(out, "# missing environment variables (they would render empty): {}", missing.join(", "))?;
    }
    for walk in &walks {
        writeln!(out, "\n## {}", walk.task.key())?;
        let persona = suite.persona(&walk.task.persona).map(context::persona_layer).unwrap_or_default();
        // Values captured at run time, shown by name.
        let mut walk_vars = Vars::new();
        let mut conversations: BTreeMap<&str, Vars> = BTreeMap::new();
        for step in &walk.steps {
            let Some(channel) = suite.channels.get(&step.channel) else { continue };
            let ctx = Layers::for_message(&base, &persona, &walk_vars).build();
            let message = ctx.render(&templates, &step.message, false).unwrap_or_else(|e| e);
            let subject = step
                .subject
                .as_deref()
                .map(|s| ctx.render(&templates, s, false).unwrap_or_else(|e| e))
                .unwrap_or_default();
            writeln!(
                out,
                "step {} [{}] on {}: {:?}",
                step.index + 1,
                step.stage.as_deref().unwrap_or("-"),
                step.channel,
                redactor.redact(&message)
            )?;
            let first_use = !conversations.contains_key(step.channel.as_str());
            let vars = conversations.entry(step.channel.as_str()).or_insert_with(|| {
                let mut v = Vars::new();
                v.insert("cursor".into(), Value::String(channel.receive.cursor_start.clone()));
                v
            });
            let webhook = (channel.receive.mode == ReceiveMode::Webhook).then_some("<webhook_url>");
            let requests: Vec<(&str, &RequestSpec)> = first_use
                .then_some(channel.open.as_ref())
                .flatten()
                .map(|r| ("open", r))
                .into_iter()
                .chain(channel.send.as_slice().iter().map(|r| ("send", r)))
                .chain(channel.receive.request.iter().map(|r| (receive_purpose(channel.receive.mode), r)))
                .collect();
            for (purpose, spec) in requests {
                let ctx = Layers {
                    base: &base,
                    persona: &persona,
                    walk_vars: &walk_vars,
                    conversation_vars: Some(vars),
                    message: Some((&message, &subject)),
                    webhook_url: webhook,
                }
                .build();
                match prepare(&templates, &redactor, channel, spec, &ctx) {
                    Ok(p) => show(out, purpose, &p)?,
                    // A URL that is wholly a captured value is known only at run time.
                    Err(_) if is_captured(&spec.url, vars) => writeln!(
                        out,
                        "  {purpose}: {} {} (a URL captured at run time)",
                        spec.method.to_ascii_uppercase(),
                        spec.url
                    )?,
                    Err(e) => writeln!(out, "  {purpose}: cannot prepare: {}", e.message)?,
                }
                for name in spec.capture.keys() {
                    vars.insert(name.clone(), Value::String(format!("${name}")));
                }
            }
            if channel.receive.mode == ReceiveMode::Stream {
                writeln!(out, "  reply: {}", stream_reading(&channel.receive))?;
            }
            for name in channel.receive.capture.keys() {
                vars.insert(name.clone(), Value::String(format!("${name}")));
            }
            for name in step.capture.keys() {
                walk_vars.insert(name.clone(), Value::String(format!("${name}")));
            }
        }
    }
    Ok(())
}

/// What `receive.request` is for, as the record names it.
fn receive_purpose(mode: ReceiveMode) -> &'static str {
    match mode {
        ReceiveMode::Stream => "stream",
        _ => "poll",
    }
}

/// How a streamed reply is read: `events message.delta at $.delta.text, until message.done`.
fn stream_reading(rx: &crate::suite::channel::Receive) -> String {
    let text = match rx.text.as_ref().map(|t| t.resolve()) {
        Some(Ok(crate::suite::channel::Extractor::JsonPath(p))) => format!(" at {p}"),
        Some(Ok(other)) => format!(" through {other:?}"),
        _ => String::new(),
    };
    let end = match &rx.end {
        Some(e) => format!("until `{e}`"),
        None => "until the stream closes".into(),
    };
    format!("the data of events {}{text}, joined, {end}", rx.events.join(", "))
}

/// Whether `url` reads a value captured at run time (`{{ article }}`).
fn is_captured(url: &str, vars: &Vars) -> bool {
    vars.iter().any(|(k, v)| v.as_str().is_some_and(|s| s.starts_with('$')) && url.contains(k.as_str()))
}

/// The request as the record would show it (secrets masked).
fn show(out: &mut dyn Write, purpose: &str, p: &Prepared) -> std::io::Result<()> {
    writeln!(out, "  {purpose}: {} {}", p.method, p.shown.url)?;
    for (k, v) in &p.shown.headers {
        writeln!(out, "    {k}: {v}")?;
    }
    if let Some(b) = &p.shown.body {
        writeln!(out, "    {b}")?;
    }
    Ok(())
}
