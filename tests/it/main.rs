//! touchpoint's integration tests, in one binary (one link, one run).
//!
//! They read like the README: start the embedded demo or a fault-injecting
//! server on 127.0.0.1:0, run real suites end to end, and assert on what a
//! user would see — records, verdicts, reports, exit codes.
//!
//! - `check`, `check_fuzz`: suite validation, diagnostics golden file, never a panic.
//! - `demo`: the embedded contact centre over HTTP.
//! - `engine`: faults from the target are recorded, never fatal; webhooks; redaction.
//! - `record`: bodies stored once read back whole; old records still analyse.
//! - `run`: the binary end to end, kill -9 (also during group commit), SIGTERM, resume.
//! - `facts`: fact kinds and answer cleaning, table-driven and property-tested.
//! - `analysis`: findings, matrix, service levels, handoffs, JUnit.
//! - `report`: the HTML report in headless Chromium, view-model golden files.
//! - `report_layout`: eight channels × four segments at 1280 px, fix-first, trends.
//! - `history`, `audit`: change detection, diff, schedules, alerts, guards.
//! - `hostile`: a hostile target, one endpoint per misbehaviour (issue 13).
//! - `recipes`: vendor-shaped servers (auth, callbacks, signatures, streams) driven by configuration.
//! - `resume`: budgets rebuilt on `--resume`, one run identity, `changes` whatever the indexing order.
//! - `shard`: sharded runs merged judge like one run; merge refuses parts that do not fit.
//! - `deploy`: the Dockerfile and Kubernetes manifests agree with the command line.
//! - `unseen`: an airline's contact centre the product was never tuned on (three vendor shapes,
//!   British phrasings, realistic noise): exactly its five planted defects are findings.
//! - `waiting`: a step waiting on polls records every attempt, though it holds them packed.

mod browser;
mod common;

mod analysis;
mod audit;
mod check;
mod check_fuzz;
mod corpus;
mod demo;
mod deploy;
mod engine;
mod facts;
mod history;
mod hostile;
mod hygiene;
mod recipes;
mod record;
mod report;
mod report_layout;
mod resume;
mod run;
mod shard;
mod unseen;
mod waiting;
