//! `gowarden watch` in a terminal: the library's watcher, its updates printed line by line,
//! and Ctrl-C / SIGTERM turned into a clean stop (exit status 0).

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context as _;
use gowarden::context::Context;
use gowarden::watch::{Options, Stopper, Timestamp, Watcher};

/// The first line of `--json`: the initial report's summary, shaped like an event.
#[derive(serde::Serialize)]
struct Initial {
    at: Timestamp,
    kind: &'static str,
    /// Which environment is judged.
    subject: gowarden::report::Environment,
    before: Option<String>,
    /// The report's status.
    after: gowarden::report::Status,
    /// Its one-line summary.
    message: String,
    /// How many directories are watched (or polled).
    watched: usize,
}

/// Watches until stopped by a signal (or until stdout goes away), printing as it goes.
pub fn run(
    ctx: Context,
    opts: Options,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    // Before any thread starts, so every thread (the watcher's, notify's) inherits the mask
    // and only the signal thread below ever sees SIGINT and SIGTERM.
    let signals = block_stop_signals().context("blocking SIGINT and SIGTERM")?;
    let (watcher, updates) = Watcher::channel(ctx, opts).context("starting the watcher")?;
    let stopper = watcher.stopper();
    std::thread::Builder::new()
        .name("gowarden-signals".into())
        .spawn(move || wait_for_signals(signals, stopper))
        .context("starting the signal thread")?;

    let mut journal_warned = false;
    for u in updates {
        let written = (|| -> std::io::Result<()> {
            if u.trigger == gowarden::watch::Trigger::Start {
                let r = &u.report;
                let at = Timestamp::from_system(std::time::SystemTime::now());
                let watched = r.watch.as_ref().map_or(0, |w| w.watched + w.polled.len());
                if json {
                    let line = Initial {
                        at,
                        kind: "initial",
                        subject: r.environment,
                        before: None,
                        after: r.status,
                        message: r.summary(),
                        watched,
                    };
                    serde_json::to_writer(&mut *out, &line)?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{at}  watching {watched} directories: {}", r.summary())?;
                }
            }
            for e in &u.events {
                if json {
                    serde_json::to_writer(&mut *out, e)?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{}  {}", e.at, e.message)?;
                }
            }
            out.flush()
        })();
        if written.is_err() {
            // Nobody is reading any more (`gowarden watch | head`): stop quietly.
            break;
        }
        if let Some(err) = &u.journal_error
            && !journal_warned
        {
            eprintln!("gowarden: events are not being kept for `gowarden history`: {err}");
            journal_warned = true;
        }
    }
    watcher.stop();
    Ok(ExitCode::SUCCESS)
}

/// SIGINT and SIGTERM, blocked in this thread (and so in every thread it starts).
fn block_stop_signals() -> std::io::Result<libc::sigset_t> {
    // SAFETY: sigset_t is plain data that sigemptyset initializes; sigaddset and
    // pthread_sigmask only read and write the sets we pass, which live on this stack.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        if rc != 0 {
            return Err(std::io::Error::from_raw_os_error(rc));
        }
        Ok(set)
    }
}

/// The first signal stops the watcher (it finishes the scan in progress, then the output
/// loop ends and the process exits 0); a second one exits at once.
fn wait_for_signals(set: libc::sigset_t, stopper: Stopper) {
    let mut stopping = false;
    loop {
        let mut sig = 0;
        // SAFETY: `set` is an initialized signal set and `sig` a valid place for the answer.
        let rc = unsafe { libc::sigwait(&set, &mut sig) };
        if rc != 0 {
            continue;
        }
        if stopping {
            std::process::exit(0);
        }
        stopping = true;
        stopper.stop();
    }
}
