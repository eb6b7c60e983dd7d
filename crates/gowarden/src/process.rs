//! The one way gowarden runs a subprocess: a login shell, `xcode-select -p`, `launchctl getenv`.
//!
//! Every run has a deadline. The child starts in a new session (so it has no controlling
//! terminal to fight over, and all it spawns share its process group); on expiry the whole
//! group is killed. Output is captured with caps, and stdin is `/dev/null`.
//! `clippy.toml` forbids `std::process::Command::new` elsewhere in the engine.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The most stdout kept; a login shell's environment is kilobytes.
const MAX_STDOUT: usize = 4 << 20;
/// The most stderr kept, for error messages.
const MAX_STDERR: usize = 64 << 10;
/// How long to wait for output pipes after the child is gone: a grandchild that left the
/// process group may hold them open forever.
const DRAIN_GRACE: Duration = Duration::from_millis(200);

/// What a finished (or killed) run produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// Exit code; `None` when killed by a signal (including our timeout).
    pub code: Option<i32>,
    /// Captured stdout, at most 4 MiB.
    pub stdout: Vec<u8>,
    /// Captured stderr, at most 64 KiB.
    pub stderr: Vec<u8>,
    /// The deadline passed and the process group was killed.
    pub timed_out: bool,
    /// How long it ran.
    pub elapsed: Duration,
}

/// Why a run could not even start.
#[derive(Debug, thiserror::Error)]
#[error("cannot run {program}: {source}")]
pub struct SpawnError {
    /// The program.
    pub program: String,
    /// The OS error.
    pub source: std::io::Error,
}

/// Runs `program args...` with exactly `env` as its environment, killing its process group
/// after `timeout`.
pub fn run<I, K, V>(
    program: &Path,
    args: &[&OsStr],
    env: I,
    timeout: Duration,
) -> Result<Output, SpawnError>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<OsStr>,
    V: AsRef<OsStr>,
{
    #[allow(clippy::disallowed_methods)] // this is the wrapper
    let mut cmd = Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    new_session(&mut cmd);
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|source| SpawnError {
        program: program.display().to_string(),
        source,
    })?;
    let pid = child.id();

    let (tx, rx) = mpsc::channel();
    for (which, pipe) in [
        (
            0,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            1,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        let Some(mut pipe) = pipe else { continue };
        let tx = tx.clone();
        let cap = if which == 0 { MAX_STDOUT } else { MAX_STDERR };
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        let room = cap.saturating_sub(buf.len());
                        buf.extend_from_slice(&chunk[..n.min(room)]);
                    }
                }
            }
            let _ = tx.send((which, buf));
        });
    }
    drop(tx);

    let deadline = start + timeout;
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                kill_group(pid);
                break child.wait().ok();
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => {
                kill_group(pid);
                break child.wait().ok();
            }
        }
    };
    // The shell is gone; take down anything it left in its group too.
    kill_group(pid);
    let elapsed = start.elapsed();

    let mut out = Output {
        code: status.and_then(|s| s.code()),
        stdout: Vec::new(),
        stderr: Vec::new(),
        timed_out,
        elapsed,
    };
    let drain_until = Instant::now() + DRAIN_GRACE;
    for _ in 0..2 {
        let left = drain_until.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((0, b)) => out.stdout = b,
            Ok((_, b)) => out.stderr = b,
            Err(_) => break,
        }
    }
    Ok(out)
}

#[cfg(unix)]
fn new_session(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent; it runs in the
    // forked child before exec.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() == -1 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn new_session(_: &mut Command) {}

#[cfg(unix)]
fn kill_group(pid: u32) {
    let Ok(pgid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill takes plain integers; a negative pid names the process group the child
    // leads (setsid made it the leader). ESRCH when it is already gone is fine.
    unsafe {
        libc::kill(-pgid, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_: u32) {}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> Output {
        let args = [OsStr::new("-c"), OsStr::new(script)];
        run(
            Path::new("/bin/sh"),
            &args,
            [("PATH", "/usr/bin:/bin")],
            Duration::from_millis(timeout_ms),
        )
        .unwrap()
    }

    #[test]
    fn captures_output_and_exit_code() {
        let out = sh("echo hi; echo oops >&2; exit 3", 5000);
        assert_eq!(
            (
                out.code,
                out.stdout.as_slice(),
                out.stderr.as_slice(),
                out.timed_out
            ),
            (Some(3), &b"hi\n"[..], &b"oops\n"[..], false)
        );
    }

    #[test]
    fn timeout_kills_the_whole_group() {
        let token = format!("gowarden-test-{}", std::process::id());
        // The grandchild holds stdout open: without a group kill this would hang.
        let out = sh(&format!("sh -c 'sleep 1000; : {token}' & sleep 1000"), 300);
        assert!(out.timed_out);
        assert!(out.elapsed < Duration::from_secs(3), "{:?}", out.elapsed);
        std::thread::sleep(Duration::from_millis(100));
        assert!(
            !process_with(&token),
            "a child of the timed-out shell is still running"
        );
    }

    /// Whether any process's command line contains `token`.
    #[cfg(target_os = "linux")]
    fn process_with(token: &str) -> bool {
        std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
            std::fs::read(e.path().join("cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(token))
        })
    }

    /// Whether any process's command line contains `token` (no /proc: ask `ps`).
    #[cfg(not(target_os = "linux"))]
    fn process_with(token: &str) -> bool {
        let out = run(
            Path::new("/bin/ps"),
            &[
                OsStr::new("-axww"),
                OsStr::new("-o"),
                OsStr::new("command="),
            ],
            [("PATH", "/usr/bin:/bin")],
            Duration::from_secs(10),
        )
        .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l.contains(token))
    }

    #[test]
    fn missing_program_is_a_spawn_error() {
        let err = run(
            Path::new("/nonexistent/shell"),
            &[],
            [("A", "B")],
            Duration::from_secs(1),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("cannot run /nonexistent/shell"),
            "{err}"
        );
    }
}
