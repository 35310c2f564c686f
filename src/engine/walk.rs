//! One walk: a persona through the steps of a scenario (or one sweep cell).
//! Conversations stay open per channel for the whole walk, so a chat
//! conversation continues across steps and an email thread is kept.
//!
//! Resumed walks (`--resume`) skip the steps the earlier run recorded and
//! restore the values those steps captured (a case reference, an email's
//! message id), so later steps quote them as before. The conversations
//! themselves cannot be restored: a later step opens a fresh chat
//! conversation, and the target sees a new conversation that quotes an old
//! reference — just as a customer coming back the next day would.

use super::conversation::{Conversation, Message, StepOutcome};
use super::extract::{self, Source};
use super::Shared;
use crate::plan::{PlannedStep, Walk};
use crate::record::{ErrorKind, Exchange, StepError};
use crate::suite::scenario::OnError;
use crate::template::vars::Vars;
use serde_json::Value;
use std::collections::BTreeMap;

/// A step an earlier run recorded, as `--resume` needs it.
#[derive(Debug, Clone, Default)]
pub struct DoneStep {
    /// The values it captured (redacted as recorded).
    pub captures: BTreeMap<String, String>,
    /// It failed on the target's side; with `on_error = "stop"` the walk ended there.
    pub failed: bool,
}

/// Runs a walk, handing one record per step to the writer (which counts
/// the exchanges and their errors once written: `progress.rs`).
pub async fn run_walk(shared: &Shared, walk: &Walk, done_steps: &BTreeMap<usize, DoneStep>) {
    let Some(persona) = shared.persona_layer(&walk.task.persona) else { return };
    tracing::trace!(walk = %walk.task.key(), steps = walk.steps.len(), "walk starts");
    // The run's common context and the persona's layer are shared (built
    // once per run; thousands of waiting walks should not each copy them).
    let base = &shared.base_context;
    let mut walk_vars = Vars::new();
    // One per channel the walk uses (a few): a `Vec`, as a B-tree leaf would
    // reserve eleven conversations (~1.9 KB) in every waiting walk.
    let mut conversations: Vec<Conversation> = Vec::new();
    let mut stop = shared.stop.clone();
    for step in &walk.steps {
        if *stop.borrow() {
            break;
        }
        if let Some(done) = done_steps.get(&step.index) {
            // Resumed run: this step was recorded before; skip it (and its
            // think time) but keep what it captured.
            for (k, v) in &done.captures {
                walk_vars.insert(k.clone(), Value::String(v.clone()));
            }
            if done.failed && walk.on_error == OnError::Stop {
                break;
            }
            continue;
        }
        if !step.think.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(step.think) => {}
                _ = super::guard::stopped(&mut stop) => break,
            }
        }
        let Some(channel) = shared.channels.get(&step.channel) else { continue };
        let i = conversations.iter().position(|c| c.channel_name == step.channel).unwrap_or_else(|| {
            // One at a time: an empty `Vec` would reserve four (~580 bytes) on its first push.
            conversations.reserve_exact(1);
            conversations.push(Conversation::new(&step.channel, channel.clone(), shared));
            conversations.len() - 1
        });
        let conv = &mut conversations[i];
        // Scoped so that only the record is alive when it is handed over.
        let exchange = {
            // The context is dropped before the step waits: a waiting walk holds its message, not the context.
            let (rendered, subject) = {
                let ctx = crate::template::context::Layers::for_message(base, persona, &walk_vars).build();
                let subject = step
                    .subject
                    .as_deref()
                    .map(|s| ctx.render(&shared.templates, s, false).unwrap_or_else(|_| s.to_string()))
                    .unwrap_or_default();
                (ctx.render(&shared.templates, &step.message, false), subject)
            };
            let (message, outcome) = match rendered {
                Ok(m) => {
                    let msg = Message {
                        text: &m,
                        subject: &subject,
                        walk_vars: &walk_vars,
                        base,
                        persona,
                        jsonpath_templates: &shared.jsonpath_templates,
                    };
                    let outcome = conv.exchange_boxed(shared, &msg).await;
                    (m, outcome)
                }
                Err(e) => (
                    step.message.clone(),
                    super::conversation::StepOutcome {
                        error: Some(StepError { kind: ErrorKind::Suite, message: e }),
                        t_sent_us: shared.clock.us(),
                        ..Default::default()
                    },
                ),
            };
            exchange_of(shared, walk, step, message, outcome, &mut walk_vars)
        };
        let failed = exchange.error.is_some();
        tracing::trace!(seq = exchange.seq, walk = %walk.task.key(), step = step.index, channel = %step.channel, failed, "exchange handed over");
        // The writer counts it once written (`progress.rs`); the walk goes on.
        // Boxed: the hand-over lasts an instant, but inlined it would be reserved in every waiting walk.
        Box::pin(shared.hand_over(exchange)).await;
        if failed && walk.on_error == OnError::Stop {
            break;
        }
    }
    conversations.sort_by(|a, b| a.channel_name.cmp(&b.channel_name));
    for c in conversations {
        c.close(shared);
    }
}

/// The record of a step that ran, and the values it captured added to the
/// walk's. Built outside [`run_walk`]: there, the exchange's fields would
/// be reserved in the future of every walk, waiting or not.
fn exchange_of(
    shared: &Shared,
    walk: &Walk,
    step: &PlannedStep,
    message: String,
    mut outcome: StepOutcome,
    walk_vars: &mut Vars,
) -> Box<Exchange> {
    // Step captures read the reply text (a case reference the agent issued).
    if let Some(reply) = &outcome.reply {
        let empty = crate::extract::Received::default();
        let src = Source { body: &reply.text, json: reply.item.as_ref(), headers: &empty, hash: None };
        for (name, ex) in &step.capture {
            if let Ok(ex) = ex.resolve() {
                if let Ok(Some(v)) = extract::extract_inline(&ex, &src) {
                    super::conversation::set_capture(&mut outcome.captures, name, v);
                }
            }
        }
    }
    for (k, v) in &outcome.captures {
        walk_vars.insert(k.clone(), Value::String(v.clone()));
    }
    let recognises = step.recognises.as_ref().map(|name| {
        let v = walk_vars.get(name).map(extract::value_text).unwrap_or_default();
        (name.clone(), v)
    });
    Box::new(Exchange {
        seq: shared.next_seq(),
        task: walk.task.clone(),
        step: step.index,
        journey: walk.journey.clone(),
        stage: step.stage.clone(),
        channel: step.channel.clone(),
        persona_segment: walk.segment.clone(),
        question: step.question.clone(),
        expects: step.expects.clone(),
        recognises,
        message: shared.redactor.redact_owned(message),
        t_sent_us: outcome.t_sent_us,
        http: outcome.http,
        reply: outcome.reply.map(|mut r| {
            r.text = shared.redactor.redact_owned(std::mem::take(&mut r.text));
            if let Some(item) = &mut r.item {
                shared.redactor.redact_value(item);
            }
            r.bounded()
        }),
        captures: outcome.captures.iter().map(|(k, v)| (k.clone(), shared.redactor.redact(v))).collect(),
        error: outcome.error,
    })
}
