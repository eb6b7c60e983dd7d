//! `gowarden watch`: notice toolchain drift the moment it happens.
//!
//! A [`Watcher`] scans the machine once, watches every path the report depends on
//! ([`Report::inputs`]), and when some of them change, waits for the filesystem to settle,
//! scans again and diffs the two reports ([`crate::report::diff`]): one event per subject,
//! never raw filesystem events. A slow periodic rescan covers what cannot be watched, and a
//! wake from sleep rescans at once. Each new report and its events go to a callback (or a
//! channel), and the events to the journal ([`crate::history`]).
//!
//! The parts: `core` decides (pure, tested on a fake clock), `backend` is the edge to
//! notify (inotify, FSEvents, polling), and this module runs them on a thread.

mod backend;
pub(crate) mod clock;
mod core;

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use clock::{BadTime, Clock, SystemClock, Timestamp, parse_since};

use crate::context::Context;
use crate::doctor::{self, CapturedEnv, EnvChoice, LoginShell};
use crate::history::Event;
use crate::journal::Journal;
use crate::report::Report;

/// How long the watcher waits, and how often it looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// notify-debouncer-mini's timeout: raw events for one path within this are one.
    pub debounce: Duration,
    /// Quiet time after the last relevant change before rescanning.
    pub settle: Duration,
    /// Longest wait for quiet: under endless churn, rescan at least this often.
    pub max_wait: Duration,
    /// Rescan this often even when nothing was seen to change (what cannot be watched:
    /// processes under translation, `launchctl` settings).
    pub rescan_every: Duration,
    /// How often the watcher wakes up when idle, to notice the machine slept.
    pub heartbeat: Duration,
    /// A wall-clock jump past the monotonic clock larger than this is a wake from sleep.
    pub wake_jump: Duration,
    /// How long a tree appearing (or going) in an install root may stay incomplete without
    /// changing before the report is taken as it stands.
    pub arrival_grace: Duration,
    /// How long such a tree may hold the report back at most, changing or not.
    pub arrival_limit: Duration,
    /// How often such a tree is looked at meanwhile.
    pub arrival_poll: Duration,
    /// How often polled directories are looked at (when the OS will not watch them).
    pub poll_interval: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing {
            debounce: Duration::from_millis(50),
            settle: Duration::from_millis(100),
            max_wait: Duration::from_secs(2),
            rescan_every: Duration::from_secs(600),
            heartbeat: Duration::from_secs(5),
            wake_jump: Duration::from_secs(30),
            arrival_grace: Duration::from_secs(10),
            arrival_limit: Duration::from_secs(300),
            arrival_poll: Duration::from_millis(250),
            poll_interval: Duration::from_secs(2),
        }
    }
}

/// Which environment a watcher judges.
#[derive(Debug, Clone, Default)]
pub enum Environment {
    /// The watcher's own process environment.
    #[default]
    Process,
    /// The login shell's, captured at start and again whenever a shell startup file changes.
    LoginShell(LoginShell),
    /// The login shell's, starting from a capture already made (the app captures once at
    /// start and scans with it too), and captured again whenever a startup file changes.
    Captured(LoginShell, CapturedEnv),
}

/// How to watch.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Which environment to judge.
    pub environment: Environment,
    /// List every translated process in reports, not only those that matter for Go work.
    pub all_processes: bool,
    /// Waits and periods.
    pub timing: Timing,
    /// Ask the OS for at most this many watches, as if its limit were that low; the rest are
    /// polled. `None`: as many as the OS gives.
    pub max_watches: Option<usize>,
    /// Where events are appended; `None` keeps no history.
    pub journal: Option<Journal>,
}

/// Why the watcher scanned. Ordered by how much it says.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The first scan.
    Start,
    /// The periodic rescan.
    Periodic,
    /// The machine woke from sleep.
    Woke,
    /// A watched path changed.
    Changed,
    /// A shell startup file changed (the login shell's environment was read again).
    ShellChanged,
}

/// What a watcher delivers: the first report, then each report that differs from the one
/// before, with the drift events between them (often none: a report can change in ways no
/// event is about).
#[derive(Debug, Clone)]
pub struct Update {
    /// The report now.
    pub report: Arc<Report>,
    /// What changed since the previous report, one event per subject.
    pub events: Vec<Event>,
    /// Why this scan happened.
    pub trigger: Trigger,
    /// The events could not be appended to the journal: why.
    pub journal_error: Option<String>,
}

/// What reaches the watcher's thread.
#[derive(Debug)]
pub(crate) enum Msg {
    /// The OS says these paths changed.
    Touched(Vec<std::path::PathBuf>),
    /// Stop.
    Stop,
}

/// A running watcher. Dropping it (or [`Watcher::stop`]) stops it.
#[derive(Debug)]
pub struct Watcher {
    tx: Sender<Msg>,
    thread: Option<JoinHandle<()>>,
}

/// Stops a watcher from elsewhere (a signal handler's thread, the app's quit menu).
#[derive(Debug, Clone)]
pub struct Stopper(Sender<Msg>);

impl Stopper {
    /// Asks the watcher to stop after what it is doing now; does not wait.
    pub fn stop(&self) {
        let _ = self.0.send(Msg::Stop);
    }
}

impl Watcher {
    /// Watches the machine `ctx` describes, calling `on_update` on the watcher's thread with
    /// the first report and every change after it.
    pub fn spawn(
        ctx: Context,
        opts: Options,
        on_update: impl FnMut(Update) + Send + 'static,
    ) -> std::io::Result<Watcher> {
        Watcher::spawn_with_clock(ctx, opts, SystemClock, on_update)
    }

    /// [`Watcher::spawn`], delivering on a channel instead; the channel closes when the
    /// watcher stops.
    pub fn channel(ctx: Context, opts: Options) -> std::io::Result<(Watcher, Receiver<Update>)> {
        let (tx, rx) = mpsc::channel();
        let w = Watcher::spawn(ctx, opts, move |u| {
            let _ = tx.send(u);
        })?;
        Ok((w, rx))
    }

    /// [`Watcher::spawn`] with another clock.
    pub fn spawn_with_clock(
        ctx: Context,
        opts: Options,
        clock: impl Clock,
        on_update: impl FnMut(Update) + Send + 'static,
    ) -> std::io::Result<Watcher> {
        let (tx, rx) = mpsc::channel();
        let thread_tx = tx.clone();
        let thread = std::thread::Builder::new()
            .name("gowarden-watch".into())
            .spawn(move || run(ctx, opts, clock, thread_tx, rx, on_update))?;
        Ok(Watcher {
            tx,
            thread: Some(thread),
        })
    }

    /// A handle that can stop this watcher from another thread.
    pub fn stopper(&self) -> Stopper {
        Stopper(self.tx.clone())
    }

    /// Stops the watcher and waits for its thread (at most the scan in progress).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        let _ = self.tx.send(Msg::Stop);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// The doctor, with the login shell captured once and again only when asked.
struct DoctorScan {
    ctx: Context,
    login_shell: Option<LoginShell>,
    captured: Option<CapturedEnv>,
    all_processes: bool,
}

impl core::Scan for DoctorScan {
    fn scan(&mut self, recapture: bool) -> Report {
        let environment = match &self.login_shell {
            None => EnvChoice::Process,
            Some(ls) => {
                if recapture || self.captured.is_none() {
                    self.captured = Some(doctor::capture_login_shell(&self.ctx, ls));
                }
                EnvChoice::Captured(
                    self.captured
                        .clone()
                        .unwrap_or_else(|| doctor::capture_login_shell(&self.ctx, ls)),
                )
            }
        };
        doctor::scan(
            &self.ctx,
            &doctor::Options {
                environment,
                all_processes: self.all_processes,
            },
        )
    }
}

/// The watcher's thread: scan, watch, and then wait for changes, the next deadline or stop.
fn run(
    ctx: Context,
    opts: Options,
    clock: impl Clock,
    tx: Sender<Msg>,
    rx: Receiver<Msg>,
    mut on_update: impl FnMut(Update),
) {
    let t = opts.timing;
    let backend = backend::Notify::new(tx, t.debounce, t.poll_interval, opts.max_watches);
    let (login_shell, captured) = match opts.environment {
        Environment::Process => (None, None),
        Environment::LoginShell(ls) => (Some(ls), None),
        Environment::Captured(ls, c) => (Some(ls), Some(c)),
    };
    let scan = DoctorScan {
        ctx,
        login_shell,
        captured,
        all_processes: opts.all_processes,
    };
    let (mut core, first) = core::Core::start(scan, backend, t, clock.now(), clock.wall());
    on_update(first);
    loop {
        let wait = core.deadline().saturating_duration_since(clock.now());
        match rx.recv_timeout(wait) {
            Ok(Msg::Touched(paths)) => core.touched(clock.now(), paths),
            Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {}
        }
        // Everything already queued counts as one moment.
        loop {
            match rx.try_recv() {
                Ok(Msg::Touched(paths)) => core.touched(clock.now(), paths),
                Ok(Msg::Stop) => return,
                Err(_) => break,
            }
        }
        if let Some(mut update) = core.poll(clock.now(), clock.wall()) {
            if let Some(j) = &opts.journal {
                for e in &update.events {
                    if let Err(err) = j.append(e) {
                        update.journal_error = Some(err.to_string());
                        break;
                    }
                }
            }
            on_update(update);
        }
    }
}
