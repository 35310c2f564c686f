//! Answer hygiene: the detectors never panic and keep their spans on char
//! boundaries (property-tested), `check` locates mistakes in `[hygiene]`
//! and `[[forbidden]]`, and the demo's planted defects are found end to end.

mod check;
mod demo;
mod props;
mod report;
