//! touchpoint — a mystery shopper for contact centres.
//!
//! A map of the intended customer journey goes in; scripted customers walk it
//! over real chat, email and web channels; the answers are checked against the
//! map and against each other; an audit report comes out.
//!
//! The pure core (no network, no async):
//! - [`suite`]: loading and validating a suite folder, rustc-style diagnostics.
//! - [`fact`]: fact kinds — parsing values and finding them in answers by meaning.
//! - [`template`]: the minijinja environment for suite templates.
//! - [`plan`]: scenarios and sweeps expanded into seeded walks; [`shard`] cuts a plan into N parts.
//! - [`record`]: the append-only run record (`run.jsonl`), writer and reader.
//! - [`extract`]: JSONPath / CSS / regex / header extraction.
//! - [`redact`]: keeping secrets out of records and reports.
//! - [`analysis`]: from a recorded run and the map to findings and scores.
//!
//! The async shell:
//! - [`engine`]: runs walks concurrently over the channels, records every exchange;
//!   guards (quiet hours, stop file, request budgets) keep it polite.
//! - [`audit`]: scheduled runs with retention and change alerts to a webhook.
//! - [`demo`]: the embedded demo contact centre (chat, email, web).
//! - [`cli`]: the command line.
//!
//! Around runs: [`history`] indexes every run in `<reports>/history.sqlite`,
//! says what changed since the previous run, and compares two runs (`diff`);
//! [`merge`] joins the shards of a sharded run into one run folder;
//! [`memory`] gives the engine's memory back before a run is analysed;
//! [`allocator`] is the binary's global allocator (mimalloc).

pub mod allocator;
pub mod analysis;
pub mod artifacts;
pub mod audit;
pub mod cli;
pub mod demo;
pub mod engine;
pub mod extract;
pub mod fact;
pub mod history;
pub mod junit;
pub mod memory;
pub mod merge;
pub mod plan;
pub mod record;
pub mod redact;
pub mod report;
pub mod shard;
pub mod suite;
pub mod template;
pub mod verdict;
