//! Strings kept for the length of one analysis pass. Findings, matrix cells
//! and journeys are keyed by `&str` (hashing and comparing borrowed keys is
//! what keeps the pass linear and cheap), but a streamed exchange is dropped
//! once analysed. The few distinct ids a run uses (channels, questions,
//! segments, personas, tasks) are copied here once and borrowed from then on.

use crate::record::Task;
use rustc_hash::FxHashSet;
use typed_arena::Arena;

/// The storage; lives on the stack of whoever drives the pass.
#[derive(Default)]
pub struct Arenas {
    strs: Arena<u8>,
    tasks: Arena<Task>,
}

/// Hands out one `&'a` copy per distinct string or task.
pub struct Interner<'a> {
    arenas: &'a Arenas,
    strs: FxHashSet<&'a str>,
    tasks: FxHashSet<&'a Task>,
}

impl<'a> Interner<'a> {
    pub fn new(arenas: &'a Arenas) -> Self {
        Interner { arenas, strs: FxHashSet::default(), tasks: FxHashSet::default() }
    }

    pub fn str(&mut self, s: &str) -> &'a str {
        if let Some(&kept) = self.strs.get(s) {
            return kept;
        }
        let kept: &'a str = self.arenas.strs.alloc_str(s);
        self.strs.insert(kept);
        kept
    }

    pub fn opt(&mut self, s: Option<&str>) -> Option<&'a str> {
        s.map(|s| self.str(s))
    }

    pub fn task(&mut self, t: &Task) -> &'a Task {
        if let Some(&kept) = self.tasks.get(t) {
            return kept;
        }
        let kept: &'a Task = self.arenas.tasks.alloc(t.clone());
        self.tasks.insert(kept);
        kept
    }
}
