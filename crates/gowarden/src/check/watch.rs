//! The watcher's own health: directories it polls because the OS would not watch them.

use super::Draft;
use crate::platform::Os;
use crate::report::{Action, Code, Finding, PollReason, Report, Role, Severity};

/// `watch-degraded`: some inputs are polled instead of watched (the inotify watch limit, or
/// no file-event service at all), so changes there are noticed late.
pub(super) fn watch_degraded(r: &Report) -> Vec<Finding> {
    let Some(w) = r.watch.as_ref().filter(|w| !w.polled.is_empty()) else {
        return Vec::new();
    };
    let n = w.polled.len();
    let secs = w.poll_interval_ms.div_ceil(1000).max(1);
    let first = &w.polled[0];
    let cause = match first.reason {
        PollReason::WatchLimit => "the OS limit on file watches is reached".to_string(),
        PollReason::NoEventService => {
            format!(
                "the OS file-event service could not start ({})",
                first.error
            )
        }
        PollReason::WatchFailed => format!("the OS refused to watch them ({})", first.error),
    };
    let limit = w.polled.iter().any(|p| p.reason == PollReason::WatchLimit);
    let action = if limit && r.host.host.os == Os::Linux {
        Action::Command {
            argv: ["sudo", "sysctl", "fs.inotify.max_user_watches=524288"]
                .map(String::from)
                .to_vec(),
        }
    } else {
        Action::Manual {
            steps: "close other programs that watch many files (editors, file indexers), then \
                    restart the watcher"
                .into(),
        }
    };
    let mut draft = Draft::new(
        Code::WatchDegraded,
        Severity::Warning,
        format!(
            "{n} watched director{} {} polled every {secs} s instead of watched ({}{}): {cause}",
            if n == 1 { "y" } else { "ies" },
            if n == 1 { "is" } else { "are" },
            first.path.display(),
            if n > 1 { ", ..." } else { "" },
        ),
        format!(
            "a toolchain change there is noticed up to {secs} s late, and polling costs CPU \
             while nothing changes"
        ),
        action,
    )
    .key("");
    for p in &w.polled {
        draft = draft.subject(Role::PolledDir, p.path.clone());
    }
    vec![draft.done()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::fixture;
    use crate::report::{PolledDir, WatchHealth};

    #[test]
    fn polled_directories_are_one_warning_saying_which_and_why() {
        let mut r = fixture::report("linux/amd64");
        assert!(watch_degraded(&r).is_empty(), "no watcher: nothing to say");
        r.watch = Some(WatchHealth {
            watched: 3,
            polled: Vec::new(),
            poll_interval_ms: 2000,
        });
        assert!(watch_degraded(&r).is_empty(), "all watched");
        r.watch = Some(WatchHealth {
            watched: 3,
            polled: ["/usr/local/go", "/home/me/sdk"]
                .map(|p| PolledDir {
                    path: p.into(),
                    reason: PollReason::WatchLimit,
                    error: "OS file watch limit reached.".into(),
                })
                .to_vec(),
            poll_interval_ms: 2000,
        });
        let f = watch_degraded(&r);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].id, "watch-degraded");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(
            f[0].message,
            "2 watched directories are polled every 2 s instead of watched (/usr/local/go, ...): \
             the OS limit on file watches is reached"
        );
        assert_eq!(f[0].fix, "sudo sysctl fs.inotify.max_user_watches=524288");
        assert_eq!(f[0].subjects.len(), 2);
        assert_eq!(f[0].subjects[1].role, Role::PolledDir);
    }
}
