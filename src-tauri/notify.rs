//! Which desktop notification a watcher update gives: pure, so the decision is tested without
//! a notification server.

use gowarden::ipc::{DriftEvent, Settings};
use gowarden::report::{self, Report};

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The title line.
    pub title: String,
    /// The body.
    pub body: String,
}

/// One notification for the events of one update that the settings let through, or none:
/// an upgrade that moves the link, the version and a finding at once is one burst, told
/// once (its first event's sentence, and how many more there were).
pub fn notice(settings: &Settings, events: &[DriftEvent]) -> Option<Notice> {
    let shown: Vec<&DriftEvent> = events
        .iter()
        .filter(|e| settings.notifies(e.kind))
        .collect();
    let first = shown.first()?;
    Some(match shown.len() {
        1 => Notice {
            title: "Your Go toolchain changed".into(),
            body: first.message.clone(),
        },
        n => Notice {
            title: format!("Your Go toolchain changed ({n} changes)"),
            // The sentences end without a full stop ("`go` is back: … (go1.23.4)"): the
            // rest goes on a line of its own.
            body: format!(
                "{}\n+{} more: open gowarden to see them.",
                first.message,
                n - 1
            ),
        },
    })
}

/// Whether a watcher update is news to the user: a change from the report the app last
/// showed. Not the first report (nothing to change from), and not the watcher's view of a
/// repair or undo made from the app, whose own rescan showed the result before the watcher
/// saw the change on disk.
pub fn is_news(shown: Option<&Report>, update: &Report) -> bool {
    shown.is_some_and(|shown| !report::diff(shown, update).is_empty())
}

#[cfg(test)]
mod tests {
    use gowarden::report::ChangeKind;

    use super::*;

    fn event(kind: ChangeKind, message: &str) -> DriftEvent {
        DriftEvent {
            at: "2026-11-29T10:00:00Z".parse().expect("a timestamp"),
            kind,
            subject: "/opt/homebrew/bin/go".into(),
            before: None,
            after: None,
            message: message.into(),
        }
    }

    #[test]
    fn no_events_no_notification() {
        assert_eq!(notice(&Settings::default(), &[]), None);
    }

    #[test]
    fn one_event_is_told_in_its_own_words() {
        let n = notice(
            &Settings::default(),
            &[event(ChangeKind::VersionChanged, "go is now go1.23.4.")],
        )
        .expect("a notice");
        assert_eq!(n.body, "go is now go1.23.4.");
    }

    #[test]
    fn an_upgrade_burst_is_one_notification() {
        let n = notice(
            &Settings::default(),
            &[
                event(ChangeKind::LinkRetargeted, "The link moved"),
                event(ChangeKind::VersionChanged, "go is now go1.23.4."),
                event(ChangeKind::FindingResolved, "Fixed."),
            ],
        )
        .expect("a notice");
        assert!(n.title.contains("3 changes"), "{}", n.title);
        assert_eq!(
            n.body,
            "The link moved\n+2 more: open gowarden to see them."
        );
    }

    #[test]
    fn kinds_turned_off_are_not_told() {
        let mut s = Settings::default();
        s.notifications.insert(ChangeKind::FindingResolved, false);
        assert_eq!(
            notice(&s, &[event(ChangeKind::FindingResolved, "Fixed.")]),
            None
        );
        let n = notice(
            &s,
            &[
                event(ChangeKind::FindingResolved, "Fixed."),
                event(ChangeKind::VersionChanged, "go is now go1.23.4."),
            ],
        )
        .expect("a notice");
        assert_eq!(n.body, "go is now go1.23.4.");
    }
}
