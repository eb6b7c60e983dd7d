//! The edge to the OS's file events: notify's recommended watcher (inotify on Linux, FSEvents
//! on macOS) behind notify-debouncer-mini, and a poller for what the OS will not watch. Only
//! "these paths changed" crosses into the watcher's logic ([`super::core`]); event kinds are
//! not needed, because every change is judged by rescanning and diffing reports.
//!
//! The poller is our own rather than notify's `PollWatcher`, which compares modification
//! times in whole seconds: a link replaced within the second of the last look would go
//! unseen. Ours compares inode, size and both timestamps to the nanosecond.
//!
//! Every watch is non-recursive: a directory's own entries are what a report depends on
//! (links, `go` in PATH directories, trees in install roots), and a recursive watch of a
//! 15,000-file GOROOT would cost thousands of inotify watches for nothing.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use notify::{
    Config, ErrorKind, EventHandler, RecommendedWatcher, RecursiveMode, Watcher, WatcherKind,
};
use notify_debouncer_mini::{DebounceEventResult, Debouncer, new_debouncer_opt};

use super::Msg;
use super::core::Backend;
use crate::report::{PollReason, PolledDir, WatchHealth};

/// A notify watcher with our own reads filtered out: the scan opens files in watched
/// directories, and inotify reports every open (`IN_OPEN`) as an access event, which would
/// otherwise trigger the next rescan, forever. An OS overflow ("rescan everything") is
/// passed on as a change at `/`, which every input is under.
struct Edge<W>(W);

impl<W: Watcher> Watcher for Edge<W> {
    fn new<F: EventHandler>(mut handler: F, config: Config) -> notify::Result<Self> {
        W::new(
            move |event: notify::Result<notify::Event>| match event {
                Ok(e) if e.need_rescan() => {
                    handler.handle_event(Ok(notify::Event::new(e.kind).add_path("/".into())))
                }
                Ok(e) if e.kind.is_access() => {}
                other => handler.handle_event(other),
            },
            config,
        )
        .map(Edge)
    }

    fn watch(&mut self, path: &Path, mode: RecursiveMode) -> notify::Result<()> {
        self.0.watch(path, mode)
    }

    fn unwatch(&mut self, path: &Path) -> notify::Result<()> {
        self.0.unwatch(path)
    }

    fn paths_mut<'me>(&'me mut self) -> Box<dyn notify::PathsMut + 'me> {
        self.0.paths_mut()
    }

    fn configure(&mut self, option: Config) -> notify::Result<bool> {
        self.0.configure(option)
    }

    fn kind() -> WatcherKind {
        W::kind()
    }
}

/// How one directory is watched.
#[derive(Debug)]
struct Watched {
    /// `(dev, inode)` when the watch was set: a directory deleted and recreated under the
    /// same name is another directory, and needs a new watch.
    id: Option<(u64, u64)>,
    /// Polled instead of watched, and why.
    polled: Option<PolledDir>,
}

/// Maps the paths the OS reports back to the paths the watcher asked for. FSEvents reports
/// real paths (`/private/tmp/...` for `/tmp/...`, the target of a symlinked directory);
/// inotify reports the path as watched.
#[derive(Debug, Default)]
struct Routes(Vec<(PathBuf, PathBuf)>);

impl Routes {
    fn route(&self, p: PathBuf) -> PathBuf {
        for (real, asked) in &self.0 {
            if real != asked
                && let Ok(rest) = p.strip_prefix(real)
            {
                return if rest.as_os_str().is_empty() {
                    asked.clone()
                } else {
                    asked.join(rest)
                };
            }
        }
        p
    }
}

/// The notify edge.
pub(crate) struct Notify {
    native: Option<Debouncer<Edge<RecommendedWatcher>>>,
    /// Why the native watcher could not be started, when it could not.
    native_error: Option<String>,
    poll: Option<Poller>,
    watched: BTreeMap<PathBuf, Watched>,
    routes: Arc<Mutex<Routes>>,
    tx: Sender<Msg>,
    poll_interval: Duration,
    max_watches: Option<usize>,
}

impl Notify {
    /// Starts the OS watcher; if it cannot start (no inotify instances left), everything
    /// will be polled.
    pub(crate) fn new(
        tx: Sender<Msg>,
        debounce: Duration,
        poll_interval: Duration,
        max_watches: Option<usize>,
    ) -> Notify {
        let routes = Arc::new(Mutex::new(Routes::default()));
        let config = notify_debouncer_mini::Config::default()
            .with_timeout(debounce)
            .with_notify_config(Config::default().with_follow_symlinks(false));
        let (native, native_error) =
            match new_debouncer_opt(config, handler(tx.clone(), Arc::clone(&routes))) {
                Ok(d) => (Some(d), None),
                Err(e) => (None, Some(e.to_string())),
            };
        Notify {
            native,
            native_error,
            poll: None,
            watched: BTreeMap::new(),
            routes,
            tx,
            poll_interval,
            max_watches,
        }
    }

    /// Polls `dir`, starting the poller on first use. If even its thread cannot start, the
    /// periodic rescan is what is left.
    fn add_polled(&mut self, dir: &Path) {
        if self.poll.is_none() {
            self.poll = Poller::start(self.tx.clone(), self.poll_interval).ok();
        }
        if let Some(p) = &self.poll {
            p.set(dir, true);
        }
    }
}

impl Backend for Notify {
    fn apply(&mut self, dirs: &[PathBuf]) -> WatchHealth {
        // What is no longer wanted, and what is another directory now under the same name.
        let stale_dirs: Vec<PathBuf> = self
            .watched
            .iter()
            .filter(|(d, w)| !dirs.contains(d) || file_id(d) != w.id)
            .map(|(d, _)| d.clone())
            .collect();
        let stale: Vec<(PathBuf, Watched)> = stale_dirs
            .into_iter()
            .filter_map(|d| self.watched.remove(&d).map(|w| (d, w)))
            .collect();
        let fresh: Vec<PathBuf> = dirs
            .iter()
            .filter(|d| !self.watched.contains_key(*d))
            .cloned()
            .collect();
        let mut in_use = self.watched.values().filter(|w| w.polled.is_none()).count();
        let max = self.max_watches;
        let polled = |dir: &Path, reason, error: String| PolledDir {
            path: dir.to_path_buf(),
            reason,
            error,
        };
        let mut added: Vec<(PathBuf, Option<PolledDir>)> = Vec::new();
        match &mut self.native {
            None => {
                let why = self.native_error.clone().unwrap_or_default();
                for d in fresh {
                    let p = polled(&d, PollReason::NoEventService, why.clone());
                    added.push((d, Some(p)));
                }
            }
            Some(native) => {
                // One batch: FSEvents restarts its stream once per batch, not once per path,
                // and events in a restart's gap would be lost.
                let mut batch = native.watcher().paths_mut();
                for (d, w) in &stale {
                    if w.polled.is_none() {
                        // A watch on a directory that is gone may be gone with it.
                        let _ = batch.remove(d);
                    }
                }
                for d in fresh {
                    let result = if max.is_some_and(|max| in_use >= max) {
                        // The error the inotify backend gives at fs.inotify.max_user_watches.
                        Err(notify::Error::new(ErrorKind::MaxFilesWatch))
                    } else {
                        batch.add(&d, RecursiveMode::NonRecursive)
                    };
                    let p = match result {
                        Ok(()) => {
                            in_use += 1;
                            None
                        }
                        Err(e) if matches!(e.kind, ErrorKind::MaxFilesWatch) => {
                            Some(polled(&d, PollReason::WatchLimit, e.to_string()))
                        }
                        Err(e) => Some(polled(&d, PollReason::WatchFailed, e.to_string())),
                    };
                    added.push((d, p));
                }
                if let Err(e) = batch.commit() {
                    for (d, p) in &mut added {
                        if p.is_none() {
                            *p = Some(polled(d, PollReason::WatchFailed, e.to_string()));
                        }
                    }
                }
            }
        }
        for (d, w) in &stale {
            if w.polled.is_some()
                && let Some(p) = &self.poll
            {
                p.set(d, false);
            }
        }
        for (d, p) in added {
            if p.is_some() {
                self.add_polled(&d);
            }
            let id = file_id(&d);
            self.watched.insert(d, Watched { id, polled: p });
        }
        let routes = self
            .watched
            .keys()
            .filter_map(|d| Some((d.canonicalize().ok()?, d.clone())))
            .collect();
        *self.routes.lock().unwrap_or_else(PoisonError::into_inner) = Routes(routes);
        let polled: Vec<PolledDir> = self
            .watched
            .values()
            .filter_map(|w| w.polled.clone())
            .collect();
        WatchHealth {
            watched: self.watched.len() - polled.len(),
            polled,
            poll_interval_ms: self.poll_interval.as_millis() as u64,
        }
    }
}

/// What the debouncer calls: touched paths (as the watcher asked for them) go to the core;
/// an error from the OS means events may have been lost, so everything is rescanned.
fn handler(
    tx: Sender<Msg>,
    routes: Arc<Mutex<Routes>>,
) -> impl FnMut(DebounceEventResult) + Send + 'static {
    move |result| {
        let paths = match result {
            Ok(events) => {
                let routes = routes.lock().unwrap_or_else(PoisonError::into_inner);
                events.into_iter().map(|e| routes.route(e.path)).collect()
            }
            Err(_) => vec![PathBuf::from("/")],
        };
        let _ = tx.send(Msg::Touched(paths));
    }
}

/// What a directory entry looked like: a change to any part is a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Look {
    ino: u64,
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
}

impl Look {
    fn of(p: &Path) -> Option<Look> {
        let m = std::fs::symlink_metadata(p).ok()?;
        Some(Look {
            ino: m.ino(),
            len: m.len(),
            mtime: (m.mtime(), m.mtime_nsec()),
            ctime: (m.ctime(), m.ctime_nsec()),
        })
    }
}

/// A directory and its entries, as last seen.
type Snapshot = (Option<Look>, BTreeMap<std::ffi::OsString, Look>);

fn snapshot(dir: &Path) -> Snapshot {
    let entries = std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| Some((e.file_name(), Look::of(&e.path())?)))
                .collect()
        })
        .unwrap_or_default();
    (Look::of(dir), entries)
}

/// The paths that differ between two looks at `dir`.
fn changes(dir: &Path, old: &Snapshot, new: &Snapshot) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if old.0 != new.0 {
        out.push(dir.to_path_buf());
    }
    for (name, look) in &new.1 {
        if old.1.get(name) != Some(look) {
            out.push(dir.join(name));
        }
    }
    out.extend(
        old.1
            .keys()
            .filter(|n| !new.1.contains_key(*n))
            .map(|n| dir.join(n)),
    );
    out
}

/// Looks at each polled directory's entries every interval, on its own thread.
struct Poller {
    dirs: Arc<Mutex<BTreeMap<PathBuf, Snapshot>>>,
    stop: Sender<()>,
}

impl Poller {
    fn start(tx: Sender<Msg>, interval: Duration) -> std::io::Result<Poller> {
        let dirs: Arc<Mutex<BTreeMap<PathBuf, Snapshot>>> = Arc::default();
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let shared = Arc::clone(&dirs);
        std::thread::Builder::new()
            .name("gowarden-poll".into())
            .spawn(move || {
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(interval)
                {
                    let mut touched = Vec::new();
                    let mut dirs = shared.lock().unwrap_or_else(PoisonError::into_inner);
                    for (dir, old) in dirs.iter_mut() {
                        let new = snapshot(dir);
                        touched.extend(changes(dir, old, &new));
                        *old = new;
                    }
                    drop(dirs);
                    if !touched.is_empty() && tx.send(Msg::Touched(touched)).is_err() {
                        return;
                    }
                }
            })?;
        Ok(Poller { dirs, stop })
    }

    /// Starts or stops polling `dir`.
    fn set(&self, dir: &Path, on: bool) {
        let mut dirs = self.dirs.lock().unwrap_or_else(PoisonError::into_inner);
        if on {
            dirs.insert(dir.to_path_buf(), snapshot(dir));
        } else {
            dirs.remove(dir);
        }
    }
}

impl Drop for Poller {
    fn drop(&mut self) {
        let _ = self.stop.send(());
    }
}

fn file_id(p: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_paths_are_routed_back_to_the_watched_ones() {
        let routes = Routes(vec![
            ("/private/tmp/m/bin".into(), "/tmp/m/bin".into()),
            ("/opt/homebrew/opt/go".into(), "/opt/homebrew/opt/go".into()),
            (
                "/opt/homebrew/Cellar/go/1.23.4/bin".into(),
                "/home/me/bin/go-current".into(),
            ),
        ]);
        let r = |p: &str| routes.route(p.into());
        assert_eq!(r("/private/tmp/m/bin/go"), Path::new("/tmp/m/bin/go"));
        assert_eq!(r("/private/tmp/m/bin"), Path::new("/tmp/m/bin"));
        assert_eq!(
            r("/opt/homebrew/Cellar/go/1.23.4/bin/go"),
            Path::new("/home/me/bin/go-current/go")
        );
        assert_eq!(r("/elsewhere/x"), Path::new("/elsewhere/x"));
    }

    #[test]
    fn a_watch_limit_makes_the_rest_polled() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = (0..3).map(|i| tmp.path().join(format!("d{i}"))).collect();
        for d in &dirs {
            std::fs::create_dir(d).unwrap();
        }
        let (tx, _rx) = std::sync::mpsc::channel();
        let mut n = Notify::new(
            tx,
            Duration::from_millis(20),
            Duration::from_millis(100),
            Some(1),
        );
        let h = n.apply(&dirs);
        assert_eq!(h.watched, 1);
        assert_eq!(
            h.polled.iter().map(|p| &p.path).collect::<Vec<_>>(),
            [&dirs[1], &dirs[2]]
        );
        assert!(h.polled.iter().all(|p| p.reason == PollReason::WatchLimit));
        assert_eq!(h.polled[0].error, "OS file watch limit reached.");
        // What changes in a polled directory is reported, even within the same second.
        let (tx, rx) = std::sync::mpsc::channel();
        let p = Poller::start(tx, Duration::from_millis(10)).unwrap();
        p.set(&dirs[1], true);
        std::os::unix::fs::symlink("a", dirs[1].join("go")).unwrap();
        let tmp = dirs[1].join("go.tmp");
        std::os::unix::fs::symlink("b", &tmp).unwrap();
        std::fs::rename(&tmp, dirs[1].join("go")).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        while !seen.contains(&dirs[1].join("go")) {
            match rx
                .recv_timeout(Duration::from_secs(30))
                .expect("the poller reports")
            {
                Msg::Touched(paths) => seen.extend(paths),
                Msg::Stop => unreachable!(),
            }
        }
        // Fewer directories: the watch freed is not taken back from the poller, but nothing
        // is lost either.
        let h = n.apply(&dirs[1..]);
        assert_eq!(h.watched + h.polled.len(), 2);
    }
}
