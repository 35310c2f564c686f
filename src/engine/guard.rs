//! Guards that keep a run polite towards a production contact centre: quiet
//! hours in which nothing is sent, a stop file that halts sending the moment
//! it appears, and the channels' request budgets.
//!
//! Quiet hours and the stop file do not add a second way of stopping: a small
//! task watches them and flips the run's one stop signal, so a run that
//! reaches quiet hours or meets the stop file ends exactly like Ctrl-C — steps
//! in flight are recorded as interrupted and the file gets its end record.

use super::budget::Budgets;
use chrono::{NaiveTime, Timelike};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How often the watcher looks at the stop file and the clock. Short enough
/// to count as "at once" for a person, cheap enough to be free.
const CHECK_EVERY: Duration = Duration::from_millis(200);

/// A daily window in local time, `22:00-07:00`, in which nothing is sent. It
/// may span midnight; the start is inside it, the end is not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// Whether `t` (a local time of day) is inside the window.
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

impl FromStr for QuietHours {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let hint =
            || format!("`{s}` is not a time window; write it as `HH:MM-HH:MM` in local time, e.g. `22:00-07:00`");
        let (a, b) = s.split_once('-').ok_or_else(hint)?;
        let time = |x: &str| NaiveTime::parse_from_str(x.trim(), "%H:%M").map_err(|_| hint());
        let (start, end) = (time(a)?, time(b)?);
        if start == end {
            return Err(format!(
                "quiet hours `{s}` start and end at the same minute; give a window such as `22:00-07:00`"
            ));
        }
        Ok(QuietHours { start, end })
    }
}

impl fmt::Display for QuietHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}-{:02}:{:02}", self.start.hour(), self.start.minute(), self.end.hour(), self.end.minute())
    }
}

/// Why sending halted (or must not start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// Ctrl-C or SIGTERM.
    Signal,
    /// The stop file exists.
    StopFile(PathBuf),
    /// The local time is inside the quiet hours.
    QuietHours(QuietHours),
}

impl fmt::Display for Halt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::Signal => f.write_str("stop requested (signal)"),
            Halt::StopFile(p) => write!(f, "the stop file {} exists", p.display()),
            Halt::QuietHours(q) => write!(f, "inside quiet hours {q} (local time)"),
        }
    }
}

/// The guards of a run; the default guards nothing.
#[derive(Debug, Clone, Default)]
pub struct Guards {
    pub quiet_hours: Option<QuietHours>,
    /// When this file exists, nothing more is sent.
    pub stop_file: Option<PathBuf>,
    /// Request budgets shared across runs; None: built from the suite per run.
    pub budgets: Option<Arc<Budgets>>,
}

impl Guards {
    /// Why nothing may be sent at local time `now`, if anything forbids it.
    pub fn halt_at(&self, now: NaiveTime) -> Option<Halt> {
        if let Some(path) = self.stop_file.as_deref().filter(|p| stop_file_present(p)) {
            return Some(Halt::StopFile(path.to_path_buf()));
        }
        self.quiet_hours.filter(|q| q.contains(now)).map(Halt::QuietHours)
    }

    /// [`Guards::halt_at`] the current local time.
    pub fn halt_now(&self) -> Option<Halt> {
        self.halt_at(chrono::Local::now().time())
    }
}

/// Whether the stop file is there. Any kind of entry counts (a file, a
/// directory, a dangling link): the operator's intent is what matters.
fn stop_file_present(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// Resolves once `stop` is true; never, if its sender is gone while it is
/// false (a closed channel is not a request to stop).
pub async fn stopped(stop: &mut watch::Receiver<bool>) {
    if stop.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// A run's stop signal: flips when `outer` does (signals) or a guard halts.
/// Dropping it ends the watcher task.
pub struct Watch {
    pub stop: watch::Receiver<bool>,
    halted: Arc<Mutex<Option<Halt>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Watch {
    /// Why the run was stopped, if it was.
    pub fn halted(&self) -> Option<Halt> {
        self.halted.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts watching `outer` and the guards; the returned receiver is the one
/// the run obeys.
pub fn watch(guards: &Guards, outer: watch::Receiver<bool>) -> Watch {
    let (tx, rx) = watch::channel(false);
    let halted = Arc::new(Mutex::new(None));
    let record = halted.clone();
    let guards = guards.clone();
    let task = tokio::spawn(async move {
        let mut outer = outer;
        let mut outer_open = true;
        let why = loop {
            if *outer.borrow() {
                break Halt::Signal;
            }
            if let Some(h) = guards.halt_now() {
                break h;
            }
            tokio::select! {
                changed = outer.changed(), if outer_open => {
                    // A dropped sender means nobody can stop us by signal any more; keep guarding.
                    outer_open = changed.is_ok();
                }
                _ = tokio::time::sleep(CHECK_EVERY) => {}
            }
        };
        *record.lock().unwrap_or_else(|p| p.into_inner()) = Some(why);
        let _ = tx.send(true);
    });
    Watch { stop: rx, halted, task }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn quiet_hours_spanning_midnight() {
        let q: QuietHours = "22:00-07:00".parse().unwrap();
        assert!(q.contains(t(22, 0)));
        assert!(q.contains(t(23, 59)));
        assert!(q.contains(t(0, 0)));
        assert!(q.contains(t(6, 59)));
        assert!(!q.contains(t(7, 0)));
        assert!(!q.contains(t(12, 0)));
        assert!(!q.contains(t(21, 59)));
        assert_eq!(q.to_string(), "22:00-07:00");
    }

    #[test]
    fn quiet_hours_within_a_day() {
        let q: QuietHours = " 12:30 - 13:15 ".parse().unwrap();
        assert!(!q.contains(t(12, 29)));
        assert!(q.contains(t(12, 30)));
        assert!(q.contains(t(13, 14)));
        assert!(!q.contains(t(13, 15)));
        assert!(!q.contains(t(0, 0)));
    }

    #[test]
    fn quiet_hours_reject_nonsense() {
        for bad in ["22:00", "25:00-07:00", "22-07", "22:00-22:00", "", "night"] {
            let err = bad.parse::<QuietHours>().unwrap_err();
            assert!(err.contains("22:00-07:00"), "{bad}: {err}");
        }
    }

    #[test]
    fn stop_file_halts_while_present() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("STOP");
        let guards = Guards { stop_file: Some(path.clone()), ..Default::default() };
        assert_eq!(guards.halt_at(t(12, 0)), None);
        std::fs::write(&path, "").unwrap();
        assert_eq!(guards.halt_at(t(12, 0)), Some(Halt::StopFile(path.clone())));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(guards.halt_at(t(12, 0)), None);
    }

    #[test]
    fn stop_file_wins_over_quiet_hours_and_quiet_hours_halt() {
        let guards = Guards { quiet_hours: Some("22:00-07:00".parse().unwrap()), ..Default::default() };
        assert!(matches!(guards.halt_at(t(23, 0)), Some(Halt::QuietHours(_))));
        assert_eq!(guards.halt_at(t(8, 0)), None);
    }

    #[tokio::test]
    async fn the_watcher_flips_the_stop_signal_when_the_stop_file_appears() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("STOP");
        let (_outer_tx, outer) = watch::channel(false);
        let w = watch(&Guards { stop_file: Some(path.clone()), ..Default::default() }, outer);
        let mut stop = w.stop.clone();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!*stop.borrow(), "no stop file yet");
        std::fs::write(&path, "").unwrap();
        tokio::time::timeout(Duration::from_secs(2), stop.wait_for(|s| *s)).await.expect("stopped within 2 s").unwrap();
        assert_eq!(w.halted(), Some(Halt::StopFile(path)));
    }

    #[tokio::test]
    async fn the_watcher_passes_signals_through() {
        let (outer_tx, outer) = watch::channel(false);
        let w = watch(&Guards::default(), outer);
        let mut stop = w.stop.clone();
        outer_tx.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(2), stop.wait_for(|s| *s)).await.expect("stopped").unwrap();
        assert_eq!(w.halted(), Some(Halt::Signal));
    }
}
