//! What the tray shows for a report: which of the four icons, the tooltip, the status line
//! and the repair entries. Pure, so it is tested without a tray.

use gowarden::repair;
use gowarden::report::{Report, Status};

/// The tray icon's four states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    /// No report yet: the first scan runs.
    Checking,
    /// Healthy.
    Ok,
    /// Works, with warnings.
    Warning,
    /// At least one error.
    Broken,
}

impl Look {
    /// The look for the latest report.
    pub fn of(report: Option<&Report>) -> Look {
        match report.map(|r| r.status) {
            None => Look::Checking,
            Some(Status::Ok) => Look::Ok,
            Some(Status::Warning) => Look::Warning,
            Some(Status::Broken) => Look::Broken,
        }
    }
}

/// The tooltip, which is also the menu's status line.
pub fn tooltip(report: Option<&Report>) -> String {
    match report {
        None => "gowarden: checking your Go toolchain…".into(),
        Some(r) => format!("gowarden: {}", r.summary()),
    }
}

/// One "Repair: …" menu entry per finding the engine can repair: (finding id, label).
pub fn repair_entries(report: Option<&Report>) -> Vec<(String, String)> {
    let Some(report) = report else {
        return Vec::new();
    };
    repair::repairable(report)
        .into_iter()
        .map(|f| (f.id.clone(), format!("Repair: {}", shorten(&f.message, 60))))
        .collect()
}

/// `s` cut to `max` characters with an ellipsis.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_report_is_checking() {
        assert_eq!(Look::of(None), Look::Checking);
        assert!(tooltip(None).contains("checking"));
        assert!(repair_entries(None).is_empty());
    }

    #[test]
    fn long_labels_are_cut() {
        assert_eq!(shorten("abc", 5), "abc");
        assert_eq!(shorten("abcdefgh", 5), "abcd…");
    }
}
