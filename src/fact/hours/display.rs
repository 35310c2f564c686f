//! The canonical human form of a schedule, as shown in reports:
//! "Mon–Fri 08:00–20:00, Sat 09:00–17:00", or "24/7".

use super::OpenSpan;

const DAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// "Mon–Fri 08:00–20:00, Sat 09:00–17:00"; "24/7" for always open.
pub(crate) fn display(week: &[OpenSpan]) -> String {
    let per_day: Vec<Vec<(u16, u16)>> =
        (0..7u8).map(|d| week.iter().filter(|s| s.day == d).map(|s| (s.open, s.close)).collect()).collect();
    if per_day.iter().all(|spans| spans.as_slice() == [(0, 1440)]) {
        return "24/7".to_string();
    }
    let mut parts = Vec::new();
    let mut d = 0;
    while d < 7 {
        if per_day[d].is_empty() {
            d += 1;
            continue;
        }
        let mut last = d;
        while last + 1 < 7 && per_day[last + 1] == per_day[d] {
            last += 1;
        }
        let days = if last == d { DAY_NAMES[d].to_string() } else { format!("{}–{}", DAY_NAMES[d], DAY_NAMES[last]) };
        let times: Vec<String> = per_day[d].iter().map(|&(o, c)| format!("{}–{}", clock(o), clock(c))).collect();
        parts.push(format!("{days} {}", times.join(" & ")));
        d = last + 1;
    }
    if parts.is_empty() {
        "closed".to_string()
    } else {
        parts.join(", ")
    }
}

fn clock(minutes: u16) -> String {
    let minutes = if minutes > 1440 { minutes - 1440 } else { minutes };
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}
