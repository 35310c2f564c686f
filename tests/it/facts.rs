//! Fact kinds and answer cleaning, tested the way the map uses them: parse
//! the map's value, then judge answers that state it in other words (must
//! agree) or state a near miss (must not).

#[path = "facts/support.rs"]
mod support;

#[path = "facts/clean.rs"]
mod clean;
#[path = "facts/judge.rs"]
mod judge;
#[path = "facts/kinds.rs"]
mod kinds;
#[path = "facts/props.rs"]
mod props;
