//! The watcher's decisions, without threads or file events: which directories to watch,
//! which touched paths matter, when to rescan (settle, periodic, after a wake), when a tree
//! still arriving holds the report back, and what changed. Time comes in as arguments, so
//! the tests below run the debounce on a fake clock without sleeping.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::check;
use crate::history::Event;
use crate::install::{Installation, Source};
use crate::path;
use crate::report::{self, InputKind, LinkState, Report, Status, WatchHealth};
use crate::watch::{Timestamp, Timing, Trigger, Update};

/// Takes a report of the machine: the doctor, or a fake in tests.
pub(crate) trait Scan {
    /// A fresh report; `recapture` asks for the login shell's environment to be read again
    /// first (a shell startup file changed).
    fn scan(&mut self, recapture: bool) -> Report;
}

/// Watches directories: the notify edge, or a fake in tests.
pub(crate) trait Backend {
    /// Watches exactly `dirs` (each exists, or did a moment ago) and says how.
    fn apply(&mut self, dirs: &[PathBuf]) -> WatchHealth;
}

/// Touched paths waiting for the filesystem to settle.
#[derive(Debug)]
struct Dirty {
    first: Instant,
    last: Instant,
    trigger: Trigger,
    recapture: bool,
    touched: BTreeSet<PathBuf>,
}

/// A report held back while a tree arrives (or leaves) in an install root.
#[derive(Debug)]
struct Hold {
    since: Instant,
    /// When the trees in motion last looked different.
    moved: Instant,
    /// How they looked then ([`fingerprint`]).
    print: u64,
    next: Instant,
    trigger: Trigger,
    candidates: BTreeSet<PathBuf>,
}

/// What the latest scan said matters, for judging touched paths.
#[derive(Debug, Default)]
struct Interest {
    /// Paths whose own change matters: links, `go` in PATH directories, watched files, and
    /// every input itself.
    exact: BTreeSet<PathBuf>,
    /// Every input, and every broken link's missing target: a change to one of its
    /// ancestors matters too (it may have appeared, vanished or been replaced).
    inputs: Vec<PathBuf>,
    /// Install roots, and which of their children may be a Go tree.
    roots: Vec<(PathBuf, Source)>,
    /// Shell startup files: a change re-captures the login shell first.
    shell_files: BTreeSet<PathBuf>,
}

/// The watcher's state between wake-ups.
pub(crate) struct Core<S, B> {
    scan: S,
    backend: B,
    timing: Timing,
    accepted: Arc<Report>,
    interest: Interest,
    dirty: Option<Dirty>,
    hold: Option<Hold>,
    last_scan: Instant,
    /// The last (monotonic, wall) pair seen, for noticing a wake-up.
    seen: (Instant, SystemTime),
    /// Directories watched now.
    watched: Vec<PathBuf>,
}

impl<S: Scan, B: Backend> Core<S, B> {
    /// Takes the first report and starts watching its inputs.
    pub(crate) fn start(
        mut scan: S,
        mut backend: B,
        timing: Timing,
        now: Instant,
        wall: SystemTime,
    ) -> (Core<S, B>, Update) {
        let mut report = scan.scan(false);
        let watched = watch_set(&report);
        let health = backend.apply(&watched);
        attach(&mut report, health);
        let accepted = Arc::new(report);
        let core = Core {
            scan,
            backend,
            timing,
            interest: Interest::of(&accepted),
            accepted: Arc::clone(&accepted),
            dirty: None,
            hold: None,
            last_scan: now,
            seen: (now, wall),
            watched,
        };
        let update = Update {
            report: accepted,
            events: Vec::new(),
            trigger: Trigger::Start,
            journal_error: None,
        };
        (core, update)
    }

    /// Paths the OS says changed. Those the report does not depend on are ignored; the rest
    /// (re)start the settle timer.
    pub(crate) fn touched(&mut self, now: Instant, paths: impl IntoIterator<Item = PathBuf>) {
        for p in paths {
            let Some(recapture) = self.interest.matters(&p) else {
                continue;
            };
            let trigger = if recapture {
                Trigger::ShellChanged
            } else {
                Trigger::Changed
            };
            let d = self.mark(now, trigger);
            d.recapture |= recapture;
            d.touched.insert(p);
        }
    }

    fn mark(&mut self, now: Instant, trigger: Trigger) -> &mut Dirty {
        let d = self.dirty.get_or_insert_with(|| Dirty {
            first: now,
            last: now,
            trigger,
            recapture: false,
            touched: BTreeSet::new(),
        });
        d.last = now;
        d.trigger = d.trigger.max(trigger);
        d
    }

    /// When [`Core::poll`] must run next, at the latest.
    pub(crate) fn deadline(&self) -> Instant {
        let t = &self.timing;
        let mut at = (self.last_scan + t.rescan_every).min(self.seen.0 + t.heartbeat);
        if let Some(d) = &self.dirty {
            at = at.min((d.last + t.settle).min(d.first + t.max_wait));
        }
        if let Some(h) = &self.hold {
            at = at.min(h.next);
        }
        at
    }

    /// Rescans if something is due (settled changes, the period, a wake-up, a tree still
    /// arriving) and returns what changed, if anything did.
    pub(crate) fn poll(&mut self, now: Instant, wall: SystemTime) -> Option<Update> {
        let t = self.timing;
        let (mono_then, wall_then) = self.seen;
        let slept = wall
            .duration_since(wall_then)
            .unwrap_or_default()
            .saturating_sub(now.saturating_duration_since(mono_then));
        self.seen = (now, wall);
        if slept > t.wake_jump {
            self.mark(now, Trigger::Woke).last = now.checked_sub(t.settle).unwrap_or(now);
        }
        if now >= self.last_scan + t.rescan_every {
            self.mark(now, Trigger::Periodic).last = now.checked_sub(t.settle).unwrap_or(now);
        }
        let settled = self
            .dirty
            .as_ref()
            .is_some_and(|d| now >= (d.last + t.settle).min(d.first + t.max_wait));
        let hold_due = self.hold.as_ref().is_some_and(|h| now >= h.next);
        if !settled && !hold_due {
            return None;
        }
        let dirty = self.dirty.take();
        let recapture = dirty.as_ref().is_some_and(|d| d.recapture);
        let mut report = self.scan.scan(recapture);
        self.last_scan = now;
        self.watched = watch_set(&report);
        let health = self.backend.apply(&self.watched);
        attach(&mut report, health);
        self.interest = Interest::of(&report);

        let hold = self.hold.take();
        let trigger = [
            dirty.as_ref().map(|d| d.trigger),
            hold.as_ref().map(|h| h.trigger),
        ]
        .into_iter()
        .flatten()
        .max()
        .unwrap_or(Trigger::Changed);
        let mut candidates = hold
            .as_ref()
            .map(|h| h.candidates.clone())
            .unwrap_or_default();
        if let Some(d) = &dirty {
            candidates.extend(arrival_candidates(&report, &d.touched));
        }
        let moving = in_motion(&self.accepted, &report, &candidates);
        if !moving.is_empty() {
            // A tree still growing (or shrinking) gets more time; one that stopped changing
            // gets `arrival_grace`, and nothing gets more than `arrival_limit`.
            let print = fingerprint(&moving);
            let (since, moved) = match &hold {
                Some(h) if h.print == print => (h.since, h.moved),
                Some(h) => (h.since, now),
                None => (now, now),
            };
            if now < moved + t.arrival_grace && now < since + t.arrival_limit {
                self.hold = Some(Hold {
                    since,
                    moved,
                    print,
                    next: now + t.arrival_poll,
                    trigger,
                    candidates,
                });
                return None;
            }
        }

        if report == *self.accepted {
            return None;
        }
        let at = Timestamp::from_system(wall);
        let events = report::diff(&self.accepted, &report)
            .into_iter()
            .map(|c| Event::new(at, c))
            .collect();
        self.accepted = Arc::new(report);
        Some(Update {
            report: Arc::clone(&self.accepted),
            events,
            trigger,
            journal_error: None,
        })
    }
}

/// Puts the watcher's health in the report, and the finding it may call for.
fn attach(report: &mut Report, health: WatchHealth) {
    report.watch = Some(health);
    report.findings = check::run(report);
    report.status = Status::of(&report.findings);
}

/// The directories to watch for `report`'s inputs: each directory input itself, each file
/// input's directory (an editor's save replaces the file, and a missing file may appear),
/// and for what does not exist (yet, or any more), its nearest existing ancestor. A broken
/// link's missing target counts as a file input: whatever puts something there again (a
/// rename back, a copy, an unpack) repairs the link, so the watcher must see it arrive. Not
/// at `/`, though: a link into a tree gone from the top down is left to the periodic rescan,
/// as FSEvents would stream every change on the disk to a watch on `/`.
pub(crate) fn watch_set(report: &Report) -> Vec<PathBuf> {
    let mut out = BTreeSet::new();
    for input in report.inputs() {
        let dir = if is_dir_input(input.why) {
            Some(input.path.as_path())
        } else {
            input.path.parent()
        };
        if let Some(d) = dir.and_then(nearest_existing) {
            out.insert(d);
        }
    }
    // A missing target is spelled as resolved (`/private/var/...` for `/var/...` on macOS):
    // a directory already watched under another name is not watched twice.
    let ids: BTreeSet<(u64, u64)> = out.iter().filter_map(|d| path::file_id(d)).collect();
    for target in missing_targets(report) {
        if let Some(d) = target.parent().and_then(nearest_existing)
            && d.parent().is_some()
            && path::file_id(&d).is_none_or(|id| !ids.contains(&id))
        {
            out.insert(d);
        }
    }
    out.into_iter().collect()
}

/// Where each broken link leads to nothing: the path its chain ended at, which is missing
/// (or loops).
fn missing_targets(report: &Report) -> impl Iterator<Item = &Path> {
    report
        .links
        .iter()
        .filter(|l| l.state != LinkState::Ok)
        .filter_map(|l| l.points_to.as_deref())
}

fn is_dir_input(kind: InputKind) -> bool {
    match kind {
        InputKind::PathDir
        | InputKind::LinkParent
        | InputKind::InstallRoot
        | InputKind::ToolchainCache => true,
        InputKind::GorootFile
        | InputKind::GoEnvFile
        | InputKind::ShellFile
        | InputKind::ModuleFile => false,
    }
}

/// `dir` if it is a directory, else its nearest ancestor that is (a relative path has none).
fn nearest_existing(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .filter(|a| a.is_absolute())
        .find(|a| a.is_dir())
        .map(Path::to_path_buf)
}

/// Whether a child of an install root with this name may be a Go tree: version managers'
/// own directories hold nothing else, shared ones (`$HOME`, `/usr/local`, `/opt`) do.
fn may_be_go_tree(source: Source, name: &str) -> bool {
    match source {
        Source::ToolchainCache => name.starts_with("toolchain@"),
        Source::Sdk => name.starts_with("go1"),
        Source::Tarball | Source::Distro | Source::Official | Source::Unknown => {
            name.starts_with("go")
        }
        Source::Homebrew | Source::Gvm | Source::Goenv | Source::Asdf | Source::Mise => true,
    }
}

impl Interest {
    fn of(report: &Report) -> Interest {
        let inputs = report.inputs();
        let mut exact: BTreeSet<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
        exact.extend(report.links.iter().map(|l| l.path.clone()));
        exact.extend(
            report
                .go_on_path
                .iter()
                .flat_map(|g| g.chain.iter().map(|h| h.path.clone())),
        );
        exact.extend(report.path.iter().map(|e| e.dir.join("go")));
        // A broken link's missing target counts as an input: the link heals when it (or a
        // directory on the way to it) appears, under whatever name the install roots ignore.
        let missing = missing_targets(report).map(Path::to_path_buf);
        Interest {
            exact,
            inputs: inputs.into_iter().map(|i| i.path).chain(missing).collect(),
            roots: report
                .install_roots
                .iter()
                .map(|r| (r.dir.clone(), r.source))
                .collect(),
            shell_files: report.startup_files.iter().cloned().collect(),
        }
    }

    /// Whether a change at `p` can change the report: `None` if not, else whether it is a
    /// shell startup file (the login shell must be asked again).
    fn matters(&self, p: &Path) -> Option<bool> {
        if self.shell_files.contains(p) {
            return Some(true);
        }
        let hit = self.exact.contains(p)
            || self.inputs.iter().any(|i| i.starts_with(p))
            || self.roots.iter().any(|(root, source)| {
                p.parent() == Some(root.as_path())
                    && p.file_name()
                        .is_some_and(|n| may_be_go_tree(*source, &n.to_string_lossy()))
            });
        hit.then_some(false)
    }
}

/// Touched children of install roots that may be Go trees and are directories now: an
/// install may be unpacking there.
fn arrival_candidates(report: &Report, touched: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    touched
        .iter()
        .filter(|p| {
            report.install_roots.iter().any(|r| {
                p.parent() == Some(r.dir.as_path())
                    && p.file_name()
                        .is_some_and(|n| may_be_go_tree(r.source, &n.to_string_lossy()))
            })
        })
        .filter(|p| p.is_dir())
        .cloned()
        .collect()
}

/// A Go tree that has all its parts: `bin/go` read as a Go program, `VERSION`, `pkg/tool`.
/// An unpack or a delete in progress lacks one of them.
fn whole(i: &Installation) -> bool {
    i.version.is_some()
        && !i.archs.is_empty()
        && i.goroot.join("VERSION").is_file()
        && i.goroot.join("pkg/tool").is_dir()
}

/// The trees the new report catches in motion: installations that are new or were whole and
/// are not whole now, and candidate directories not (yet) inside a whole installation.
///
/// "Inside" is judged on real paths too: installations are listed once per real tree, under
/// the first path found for it, so `/usr/local/go1.23.4` renamed back into place behind the
/// link `/usr/local/go -> go1.23.4` is the installation listed as `/usr/local/go`. Judged by
/// name alone it would never be whole, and the repaired report would wait out
/// `arrival_grace`.
fn in_motion(before: &Report, after: &Report, candidates: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let was_whole = |root: &Path| {
        before
            .installations
            .iter()
            .find(|i| i.goroot == root)
            .map(whole)
    };
    let torn = after
        .installations
        .iter()
        .filter(|i| !whole(i) && was_whole(&i.goroot) != Some(false))
        .map(|i| i.goroot.clone());
    let whole_roots: Vec<(&Path, PathBuf)> = after
        .installations
        .iter()
        .filter(|i| whole(i))
        .map(|i| (i.goroot.as_path(), real_path(&i.goroot)))
        .collect();
    let pending = candidates
        .iter()
        .filter(|c| {
            if !c.is_dir() {
                return false;
            }
            let real = real_path(c);
            !whole_roots
                .iter()
                .any(|(root, real_root)| root.starts_with(c) || real_root.starts_with(&real))
        })
        .cloned();
    torn.chain(pending).collect()
}

/// `p` with every link resolved, or as it is when that fails (it is gone).
fn real_path(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// How many entries the trees hold two levels deep: it changes while an unpack or a delete
/// is under way (a Go tree's `src/*` appear one by one), for a few hundred `readdir`s.
fn fingerprint(trees: &[PathBuf]) -> u64 {
    fn count(dir: &Path, depth: u32) -> u64 {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return 0;
        };
        rd.flatten()
            .map(|e| {
                let deeper = depth > 0 && e.file_type().is_ok_and(|t| t.is_dir());
                1 + if deeper {
                    count(&e.path(), depth - 1)
                } else {
                    0
                }
            })
            .sum()
    }
    trees.iter().map(|t| count(t, 1)).sum()
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::VecDeque;
    use std::rc::Rc;
    use std::time::Duration;

    use super::*;
    use crate::check::fixture;
    use crate::host::Runs;
    use crate::install::InstallRoot;
    use crate::path::{Entry, EntryKind};
    use crate::report::{ChangeKind, Link, LinkKind, PollReason, PolledDir};

    /// Scans that hand out prepared reports in turn (the last one forever), counting calls.
    #[derive(Clone, Default)]
    struct Script {
        reports: Rc<RefCell<VecDeque<Report>>>,
        calls: Rc<RefCell<Vec<bool>>>,
    }

    impl Script {
        fn then(&self, r: Report) {
            self.reports.borrow_mut().push_back(r);
        }
        fn scans(&self) -> usize {
            self.calls.borrow().len()
        }
    }

    impl Scan for Script {
        fn scan(&mut self, recapture: bool) -> Report {
            self.calls.borrow_mut().push(recapture);
            let mut q = self.reports.borrow_mut();
            if q.len() > 1 {
                q.pop_front().unwrap()
            } else {
                q.front().cloned().expect("a report to hand out")
            }
        }
    }

    /// Watches nothing; says the directories it is given are polled when told to.
    #[derive(Clone, Default)]
    struct FakeBackend {
        polled: Rc<RefCell<bool>>,
        applied: Rc<RefCell<Vec<Vec<PathBuf>>>>,
    }

    impl Backend for FakeBackend {
        fn apply(&mut self, dirs: &[PathBuf]) -> WatchHealth {
            self.applied.borrow_mut().push(dirs.to_vec());
            let polled = if *self.polled.borrow() {
                dirs.iter()
                    .map(|d| PolledDir {
                        path: d.clone(),
                        reason: PollReason::WatchLimit,
                        error: "OS file watch limit reached.".into(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            WatchHealth {
                watched: dirs.len(),
                polled,
                poll_interval_ms: 2000,
            }
        }
    }

    const MS: Duration = Duration::from_millis(1);

    fn timing() -> Timing {
        Timing {
            settle: 100 * MS,
            max_wait: 2000 * MS,
            rescan_every: Duration::from_secs(600),
            heartbeat: Duration::from_secs(5),
            wake_jump: Duration::from_secs(30),
            arrival_grace: Duration::from_secs(10),
            arrival_poll: 250 * MS,
            ..Timing::default()
        }
    }

    /// A fake clock: a monotonic origin and a wall origin that advance together, unless the
    /// test makes the machine sleep.
    struct Clock {
        mono: Instant,
        wall: SystemTime,
    }

    impl Clock {
        fn new() -> Clock {
            Clock {
                mono: Instant::now(),
                wall: SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_960_987),
            }
        }
        fn at(&self, ms: u64) -> (Instant, SystemTime) {
            (
                self.mono + Duration::from_millis(ms),
                self.wall + Duration::from_millis(ms),
            )
        }
    }

    /// A report whose active go is `version`, at /opt/homebrew/bin/go, with PATH.
    fn homebrew(version: &str) -> Report {
        let mut r = fixture::report("darwin/arm64");
        let root = format!("/opt/homebrew/Cellar/go/{version}/libexec");
        fixture::activate(
            &mut r,
            fixture::go("/opt/homebrew/bin", &root, &format!("go{version}"), "arm64"),
        );
        r.path = vec![Entry {
            index: 0,
            raw: "/opt/homebrew/bin".into(),
            dir: "/opt/homebrew/bin".into(),
            kind: EntryKind::Dir,
            has_go: true,
            ..fixture_entry()
        }];
        r.startup_files = vec!["/home/me/.zshrc".into()];
        r.install_roots = vec![InstallRoot {
            source: Source::Homebrew,
            dir: "/opt/homebrew/Cellar/go".into(),
        }];
        r
    }

    fn fixture_entry() -> Entry {
        Entry {
            index: 0,
            raw: String::new(),
            dir: PathBuf::new(),
            kind: EntryKind::Dir,
            relative: false,
            symlink: None,
            writable_by_others: false,
            has_go: false,
            broken_go: None,
            broken_ancestor: None,
        }
    }

    fn start(
        script: &Script,
        backend: &FakeBackend,
        clock: &Clock,
    ) -> (Core<Script, FakeBackend>, Update) {
        let (mono, wall) = clock.at(0);
        Core::start(script.clone(), backend.clone(), timing(), mono, wall)
    }

    fn kinds(u: &Update) -> Vec<ChangeKind> {
        u.events.iter().map(|e| e.kind).collect()
    }

    #[test]
    fn a_burst_of_changes_is_one_rescan_after_it_settles() {
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(homebrew("1.23.3"));
        script.then(homebrew("1.23.4"));
        let (mut core, first) = start(&script, &backend, &clock);
        assert_eq!(first.trigger, Trigger::Start);
        assert!(first.events.is_empty());
        assert_eq!(script.scans(), 1);

        // `brew upgrade`: the link is replaced, then touched again 60 ms later.
        let link = PathBuf::from("/opt/homebrew/bin/go");
        core.touched(clock.at(1000).0, [link.clone()]);
        assert_eq!(core.deadline(), clock.at(1100).0);
        core.touched(clock.at(1060).0, [link.clone()]);
        assert_eq!(core.deadline(), clock.at(1160).0, "settle restarts");
        let (m, w) = clock.at(1159);
        assert!(core.poll(m, w).is_none(), "not settled yet");
        assert_eq!(script.scans(), 1);
        let (m, w) = clock.at(1160);
        let u = core.poll(m, w).expect("one update");
        assert_eq!(script.scans(), 2, "one rescan for the burst");
        assert_eq!(u.trigger, Trigger::Changed);
        assert_eq!(kinds(&u), [ChangeKind::VersionChanged]);
        assert_eq!(u.events[0].at.to_string(), "2026-11-29T14:03:08.160Z");
        assert_eq!(u.events[0].after.as_deref(), Some("go1.23.4"));
        // Nothing more happens: the next wake-up is the heartbeat.
        assert_eq!(core.deadline(), clock.at(6160).0);
        assert!(core.poll(clock.at(6160).0, clock.at(6160).1).is_none());
        assert_eq!(script.scans(), 2);
    }

    #[test]
    fn endless_churn_still_rescans_every_max_wait() {
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(homebrew("1.23.3"));
        let (mut core, _) = start(&script, &backend, &clock);
        for ms in (0..2500).step_by(50) {
            core.touched(clock.at(1000 + ms).0, ["/opt/homebrew/bin/go".into()]);
            let (m, w) = clock.at(1000 + ms);
            core.poll(m, w);
        }
        assert_eq!(script.scans(), 2, "one rescan at 2 s into the churn");
    }

    #[test]
    fn paths_the_report_does_not_depend_on_are_ignored() {
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(homebrew("1.23.3"));
        let (mut core, _) = start(&script, &backend, &clock);
        let noise = [
            "/opt/homebrew/bin/node",
            "/home/me/.zsh_history",
            "/opt/homebrew/Cellar/node",
            "/tmp/x",
        ];
        core.touched(clock.at(10).0, noise.map(PathBuf::from));
        assert!(core.dirty.is_none());
        for relevant in [
            "/opt/homebrew/bin/go",                           // the link itself
            "/opt/homebrew/bin",                              // the PATH directory itself
            "/opt/homebrew",                                  // an ancestor of inputs
            "/opt/homebrew/Cellar/go/1.24.0",                 // a child of an install root
            "/opt/homebrew/Cellar/go/1.23.3/libexec/VERSION", // GOROOT's VERSION
            "/",                                              // the OS dropped events: everything
        ] {
            core.dirty = None;
            core.touched(clock.at(10).0, [PathBuf::from(relevant)]);
            assert!(core.dirty.is_some(), "{relevant}");
        }
    }

    #[test]
    fn a_changed_shell_file_recaptures_the_login_shell() {
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(homebrew("1.23.3"));
        let (mut core, _) = start(&script, &backend, &clock);
        core.touched(clock.at(10).0, ["/opt/homebrew/bin/go".into()]);
        core.poll(clock.at(200).0, clock.at(200).1);
        core.touched(clock.at(300).0, ["/home/me/.zshrc".into()]);
        core.poll(clock.at(400).0, clock.at(400).1);
        assert_eq!(*script.calls.borrow(), [false, false, true]);
    }

    #[test]
    fn periodic_rescan_and_wake_from_sleep() {
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(homebrew("1.23.3"));
        script.then(homebrew("1.23.3"));
        script.then(homebrew("1.23.4"));
        let (mut core, _) = start(&script, &backend, &clock);
        // Heartbeats while nothing happens: no scan.
        let mut ms = 0;
        while ms < 595_000 {
            ms += 5000;
            assert!(core.poll(clock.at(ms).0, clock.at(ms).1).is_none());
        }
        assert_eq!(script.scans(), 1);
        ms += 5000;
        assert_eq!(core.deadline(), clock.at(600_000).0);
        assert!(
            core.poll(clock.at(ms).0, clock.at(ms).1).is_none(),
            "rescanned, nothing changed"
        );
        assert_eq!(script.scans(), 2);

        // The machine sleeps an hour: the wall clock jumps, the monotonic one does not.
        let (m, w) = clock.at(ms + 5000);
        let u = core
            .poll(m, w + Duration::from_secs(3600))
            .expect("a rescan after waking");
        assert_eq!(u.trigger, Trigger::Woke);
        assert_eq!(kinds(&u), [ChangeKind::VersionChanged]);
        assert_eq!(script.scans(), 3);
    }

    /// A tree in an install root that is only partly there: `bin/go` but no `pkg/tool`.
    fn arriving_tree(dir: &Path, whole_now: bool) -> Installation {
        std::fs::create_dir_all(dir.join("bin")).unwrap();
        std::fs::write(dir.join("VERSION"), "go1.24.0\n").unwrap();
        if whole_now {
            std::fs::create_dir_all(dir.join("pkg/tool")).unwrap();
        }
        let mut i = fixture::install(dir.to_str().unwrap(), "go1.24.0", Source::Sdk, Runs::Native);
        i.healthy = whole_now;
        i
    }

    #[test]
    fn a_tree_still_unpacking_holds_the_report_until_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let sdk = tmp.path().join("sdk");
        let tree = sdk.join("go1.24.0");
        let with_sdk = |installs: Vec<Installation>| {
            let mut r = homebrew("1.23.3");
            r.install_roots.push(InstallRoot {
                source: Source::Sdk,
                dir: sdk.clone(),
            });
            r.installations = installs;
            r
        };
        std::fs::create_dir_all(&sdk).unwrap();
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(with_sdk(Vec::new()));
        let (mut core, _) = start(&script, &backend, &clock);

        // `mkdir go1.24.0`: nothing that looks like Go in it yet.
        std::fs::create_dir_all(&tree).unwrap();
        script.then(with_sdk(Vec::new()));
        core.touched(clock.at(1000).0, [tree.clone()]);
        assert!(core.poll(clock.at(1100).0, clock.at(1100).1).is_none());
        assert_eq!(core.deadline(), clock.at(1350).0, "polls while it arrives");
        // Half unpacked.
        let half = arriving_tree(&tree, false);
        script.then(with_sdk(vec![half]));
        assert!(core.poll(clock.at(1350).0, clock.at(1350).1).is_none());
        // Whole.
        let whole = arriving_tree(&tree, true);
        script.then(with_sdk(vec![whole]));
        let u = core
            .poll(clock.at(1600).0, clock.at(1600).1)
            .expect("the install, once whole");
        assert_eq!(kinds(&u), [ChangeKind::InstallationAdded]);
        assert_eq!(u.events[0].after.as_deref(), Some("go1.24.0"));
        assert!(core.hold.is_none());

        // A tree that never becomes whole is reported as it is after the grace period.
        let broken = sdk.join("go1.25.0");
        let half = arriving_tree(&broken, false);
        let both = with_sdk(vec![arriving_tree(&tree, true), half]);
        script.then(both);
        core.touched(clock.at(5000).0, [broken.clone()]);
        let mut ms = 5100;
        let mut updates = Vec::new();
        while ms < 20_000 {
            if let Some(u) = core.poll(clock.at(ms).0, clock.at(ms).1) {
                updates.push((ms, u));
            }
            ms += 250;
        }
        assert_eq!(updates.len(), 1, "one update");
        assert_eq!(kinds(&updates[0].1), [ChangeKind::InstallationAdded]);
        assert!(
            updates[0].0 >= 15_100,
            "after the grace: {} ms",
            updates[0].0
        );
    }

    #[test]
    fn a_slow_unpack_that_keeps_growing_is_given_more_than_the_grace() {
        let tmp = tempfile::tempdir().unwrap();
        let sdk = tmp.path().join("sdk");
        let tree = sdk.join("go1.24.0");
        let with_sdk = |installs: Vec<Installation>| {
            let mut r = homebrew("1.23.3");
            r.install_roots.push(InstallRoot {
                source: Source::Sdk,
                dir: sdk.clone(),
            });
            r.installations = installs;
            r
        };
        std::fs::create_dir_all(&sdk).unwrap();
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(with_sdk(Vec::new()));
        let (mut core, _) = start(&script, &backend, &clock);
        let half = arriving_tree(&tree, false);
        script.then(with_sdk(vec![half]));
        core.touched(clock.at(1000).0, [tree.clone()]);
        // 30 s of unpacking, three times the grace: `src/` fills up one package at a time.
        let mut ms = 1100;
        while ms < 31_000 {
            std::fs::create_dir_all(tree.join(format!("src/p{ms}"))).unwrap();
            assert!(
                core.poll(clock.at(ms).0, clock.at(ms).1).is_none(),
                "{ms} ms"
            );
            ms += 250;
        }
        let whole = arriving_tree(&tree, true);
        script.then(with_sdk(vec![whole]));
        let u = core
            .poll(clock.at(ms).0, clock.at(ms).1)
            .expect("once whole");
        assert_eq!(kinds(&u), [ChangeKind::InstallationAdded]);
    }

    /// Issue 18: `/usr/local/go -> go1.24.0` with go1.24.0 moved away, then moved back.
    /// Discovery lists the one real tree under the link's name, so the tree that arrived is
    /// whole under another name: it must not be held back as still arriving.
    #[test]
    fn a_goroot_renamed_back_behind_its_link_is_not_held_as_arriving() {
        let tmp = tempfile::tempdir().unwrap();
        let local = tmp.path().join("usr/local");
        let tree = local.join("go1.24.0");
        let link = local.join("go");
        let stash = tmp.path().join("stash");
        std::fs::create_dir_all(&local).unwrap();
        arriving_tree(&stash, true);
        std::os::unix::fs::symlink("go1.24.0", &link).unwrap();
        let with = |state: LinkState, installations: Vec<Installation>| {
            let mut r = fixture::report("linux/amd64");
            r.install_roots = vec![
                InstallRoot {
                    source: Source::Official,
                    dir: link.clone(),
                },
                InstallRoot {
                    source: Source::Tarball,
                    dir: local.clone(),
                },
            ];
            r.links = vec![Link {
                path: link.clone(),
                target: "go1.24.0".into(),
                kind: LinkKind::Goroot,
                state,
                points_to: Some(tree.clone()),
                owner: Source::Tarball,
                via: link.join("bin"),
            }];
            r.installations = installations;
            r
        };
        let listed = fixture::install(
            link.to_str().unwrap(),
            "go1.24.0",
            Source::Official,
            Runs::Native,
        );
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(with(LinkState::Dangling, Vec::new()));
        script.then(with(LinkState::Ok, vec![listed]));
        let (mut core, _) = start(&script, &backend, &clock);

        // `mv` puts it back: one rename, whole at once.
        std::fs::rename(&stash, &tree).unwrap();
        core.touched(clock.at(1000).0, [tree.clone()]);
        let u = core
            .poll(clock.at(1100).0, clock.at(1100).1)
            .expect("repaired once settled, not after arrival_grace");
        assert!(core.hold.is_none());
        let repaired: Vec<_> = u
            .events
            .iter()
            .filter(|e| e.kind == ChangeKind::LinkRepaired)
            .collect();
        assert_eq!(repaired.len(), 1, "{:#?}", u.events);
        assert_eq!(repaired[0].subject, link.display().to_string());
    }

    #[test]
    fn polling_fallback_is_a_finding_and_an_event() {
        let (script, backend, clock) = (Script::default(), FakeBackend::default(), Clock::new());
        script.then(homebrew("1.23.3"));
        let (mut core, first) = start(&script, &backend, &clock);
        assert_eq!(first.report.watch.as_ref().unwrap().polled, []);
        assert!(first.report.finding("watch-degraded").is_none());
        *backend.polled.borrow_mut() = true;
        core.touched(clock.at(10).0, ["/opt/homebrew/bin/go".into()]);
        let u = core.poll(clock.at(200).0, clock.at(200).1).unwrap();
        let f = u.report.finding("watch-degraded").expect("the finding");
        assert_eq!(f.severity, crate::report::Severity::Warning);
        assert_eq!(u.report.status, Status::Warning);
        assert_eq!(kinds(&u), [ChangeKind::FindingOpened]);
        assert_eq!(u.events[0].subject, "watch-degraded");
    }

    #[test]
    fn the_watch_set_is_every_input_directory_or_its_nearest_existing_ancestor() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        std::fs::create_dir_all(t.join("bin")).unwrap();
        std::fs::create_dir_all(t.join("home")).unwrap();
        let mut r = fixture::report("linux/amd64");
        r.path = vec![Entry {
            dir: t.join("bin"),
            ..fixture_entry()
        }];
        r.install_roots = vec![InstallRoot {
            source: Source::Sdk,
            dir: t.join("home/sdk"),
        }];
        r.startup_files = vec![
            t.join("home/.bashrc"),
            t.join("home/.config/fish/config.fish"),
        ];
        r.go_env_file = Some(t.join("home/.config/go/env"));
        assert_eq!(watch_set(&r), [t.join("bin"), t.join("home")]);
        std::fs::create_dir_all(t.join("home/sdk")).unwrap();
        assert_eq!(
            watch_set(&r),
            [t.join("bin"), t.join("home"), t.join("home/sdk")]
        );
    }

    /// Issue 18: a broken link heals when its target reappears, so where that would happen
    /// is watched, and a change on the way there matters.
    #[test]
    fn a_broken_links_missing_target_is_watched_where_it_would_reappear() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        std::fs::create_dir_all(t.join("bin")).unwrap();
        std::fs::create_dir_all(t.join("apps")).unwrap();
        let dangling = |path: PathBuf, to: PathBuf| Link {
            target: to.clone(),
            points_to: Some(to),
            path: path.clone(),
            via: path,
            kind: LinkKind::GoBinary,
            state: LinkState::Dangling,
            owner: Source::Unknown,
        };
        let mut r = fixture::report("linux/amd64");
        // `~/bin/go -> ~/apps/go1.22/bin/go` with `~/apps/go1.22` moved away, and a link into
        // a tree gone from the top down (not watched at `/`).
        r.links = vec![
            dangling(t.join("bin/go"), t.join("apps/go1.22/bin/go")),
            dangling(t.join("bin/gofmt"), "/nonexistent/gofmt".into()),
        ];
        assert_eq!(watch_set(&r), [t.join("apps"), t.join("bin")]);
        let interest = Interest::of(&r);
        assert_eq!(interest.matters(&t.join("apps/go1.22")), Some(false));
        assert_eq!(interest.matters(&t.join("apps/go1.21")), None);
        // Half way back (`mkdir -p`): the nearest existing ancestor is watched now.
        std::fs::create_dir_all(t.join("apps/go1.22/bin")).unwrap();
        assert_eq!(watch_set(&r), [t.join("apps/go1.22/bin"), t.join("bin")]);
    }
}
