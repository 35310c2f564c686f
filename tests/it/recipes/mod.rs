//! Reaching contact centres by configuration alone: vendor-shaped test
//! servers on 127.0.0.1:0 with real faults, each driven end to end through
//! the library with a suite written the way a user would write it.
//!
//! - `auth`: `auth = { basic | bearer }`, template helpers in requests, and
//!   errors the suite causes (an unset credential) kept out of findings.

mod auth;
