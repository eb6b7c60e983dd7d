//! What the app holds between commands: the machine, the latest report, the login-shell
//! capture, the settings and the way to the `gowarden` CLI. Every answer comes from the engine;
//! this only keeps it and turns engine errors into the IPC contract's `IpcError`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use gowarden::context::Context;
use gowarden::doctor::{self, CapturedEnv, EnvChoice, LoginShell};
use gowarden::history::{self, Query};
use gowarden::ipc::{DriftEvent, IpcError, IpcErrorKind, RepairOutcome, Settings};
use gowarden::repair::elevate::{self, AdminRequest};
use gowarden::repair::{self, RepairError, RepairRecord, Repairs, Status};
use gowarden::report::{Action, Report};

/// How long a login shell may take to print its environment.
const SHELL_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the administrator prompt may stay open.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(300);

/// A repair or undo carried out: its outcome for the UI, and the event it adds to the
/// history (none for a dry run).
#[derive(Debug)]
pub struct Done {
    /// What the UI is told.
    pub outcome: RepairOutcome,
    /// The `repaired`/`undone` event, as `get_history` will list it.
    pub event: Option<DriftEvent>,
}

impl Done {
    fn of(record: &RepairRecord) -> Done {
        Done {
            outcome: RepairOutcome::from_record(record),
            event: history::repair_event(record),
        }
    }
}

/// The app's state, shared by the commands, the watcher bridge and the tray.
#[derive(Debug)]
pub struct Backend {
    ctx: Context,
    data_dir: Option<PathBuf>,
    cli: Option<PathBuf>,
    /// The program that asks for an administrator, pkexec-style; `None`: the system's
    /// (`elevate::elevated_command`).
    pkexec: Option<PathBuf>,
    captured: RwLock<Option<CapturedEnv>>,
    report: RwLock<Option<Arc<Report>>>,
    settings: Mutex<Settings>,
    settings_warning: Mutex<Option<String>>,
    /// Held while a repair or undo is carried out and published, and while a watcher update
    /// is judged and published, so the watcher's view of a change the app made is compared
    /// with what the app showed after making it ([`crate::notify::is_news`]).
    changing: tauri::async_runtime::Mutex<()>,
}

impl Backend {
    /// A backend for the machine `ctx` describes, keeping its settings and journals in
    /// `data_dir`, and using the `gowarden` CLI at `cli` (login-shell capture, elevated
    /// repairs) when there is one.
    pub fn new(ctx: Context, data_dir: Option<PathBuf>, cli: Option<PathBuf>) -> Backend {
        let (settings, warning) = match &data_dir {
            Some(d) => Settings::load(d),
            None => (Settings::default(), None),
        };
        Backend {
            ctx,
            data_dir,
            cli,
            pkexec: None,
            captured: RwLock::new(None),
            report: RwLock::new(None),
            settings: Mutex::new(settings),
            settings_warning: Mutex::new(warning),
            changing: tauri::async_runtime::Mutex::new(()),
        }
    }

    /// The same, asking for an administrator through `pkexec` (a program used as pkexec is:
    /// `pkexec PROGRAM ARGS...`) instead of the system's prompt.
    pub fn with_pkexec(self, pkexec: PathBuf) -> Backend {
        Backend {
            pkexec: Some(pkexec),
            ..self
        }
    }

    /// Locked by a repair or undo from its start until its report is published, and by the
    /// watcher bridge while it judges and publishes an update.
    pub fn changing(&self) -> &tauri::async_runtime::Mutex<()> {
        &self.changing
    }

    /// The real machine: this process's context, the usual data directory, and the CLI next
    /// to the app's executable.
    pub fn from_process() -> Result<Backend, String> {
        let ctx = Context::from_process().map_err(|e| e.to_string())?;
        let data_dir = gowarden::journal::data_dir_for(&ctx);
        Ok(Backend::new(ctx, data_dir, locate_cli()))
    }

    /// The machine.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// Where settings and journals live.
    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    /// How the login shell is read: the `gowarden` CLI prints the environment.
    pub fn login_shell(&self) -> Option<LoginShell> {
        self.cli.as_ref().map(|cli| LoginShell {
            printer: vec![cli.clone().into_os_string(), "__print-env".into()],
            timeout: SHELL_TIMEOUT,
        })
    }

    /// Runs the login shell once (blocking: call it off the main thread) and keeps the
    /// capture for every later scan. Without the CLI, scans judge this process's environment.
    pub fn capture_login_shell(&self) -> Option<CapturedEnv> {
        let ls = self.login_shell()?;
        let captured = doctor::capture_login_shell(&self.ctx, &ls);
        *write(&self.captured) = Some(captured.clone());
        Some(captured)
    }

    /// The scan options: the captured login shell once there is one.
    pub fn options(&self) -> doctor::Options {
        doctor::Options {
            environment: read(&self.captured)
                .clone()
                .map_or(EnvChoice::Process, EnvChoice::Captured),
            all_processes: false,
        }
    }

    /// The latest report, `None` while the first scan runs.
    pub fn report(&self) -> Option<Arc<Report>> {
        read(&self.report).clone()
    }

    /// Keeps `report` as the latest.
    pub fn set_report(&self, report: Arc<Report>) {
        *write(&self.report) = Some(report);
    }

    /// Scans now (blocking) and keeps the report.
    pub fn rescan(&self) -> Arc<Report> {
        let report = Arc::new(doctor::scan(&self.ctx, &self.options()));
        self.set_report(report.clone());
        report
    }

    fn repairs(&self) -> Result<Repairs, IpcError> {
        let dir = self
            .data_dir
            .clone()
            .ok_or_else(|| IpcError::from(&RepairError::NoDataDir))?;
        Ok(Repairs::with_data_dir(&self.ctx, self.options(), dir))
    }

    /// Repairs the finding `id` (for a relink, to the candidate whose `target` is `target`):
    /// a fresh scan, the engine's plan, and the engine's apply, which checks everything again.
    /// When the change needs an administrator, asks for one through the system's prompt.
    pub fn repair(&self, id: &str, target: Option<&str>) -> Result<Done, IpcError> {
        let repairs = self.repairs()?;
        let report = repairs.scan();
        let to = match target {
            None => None,
            Some(t) => Some(candidate_goroot(&report, id, t)?),
        };
        let plan = repairs
            .plan(&report, id, to.as_deref())
            .map_err(|e| IpcError::from(&e))?;
        match repairs.apply(&plan) {
            Ok(record) => Ok(Done::of(&record)),
            Err(e) if e.status() == Status::NeedsPrivilege => {
                // The policy is checked here first: a change it refuses never reaches a prompt.
                let request = elevate::request_for(&plan).map_err(|why| IpcError::from(&why))?;
                self.elevated(&repairs, &request, &plan.finding, &e)
            }
            Err(e) => Err(IpcError::from(&e)),
        }
    }

    /// Undoes the repair `id` (the newest when `None`); one made as an administrator is
    /// undone by an administrator run, from the administrator's own record.
    pub fn undo(&self, id: Option<&str>) -> Result<Done, IpcError> {
        let repairs = self.repairs()?;
        match repairs.undo(id, false) {
            Ok(record) => Ok(Done::of(&record)),
            Err(RepairError::Elevated { id }) => {
                let e = RepairError::Elevated { id: id.clone() };
                let (request, finding) = repairs
                    .elevated_undo(&id)
                    .map_err(|why| IpcError::from(&why))?;
                self.elevated(&repairs, &request, &finding, &e)
            }
            Err(e) => Err(IpcError::from(&e)),
        }
    }

    /// Runs `request` as an administrator through the system's prompt (osascript on macOS,
    /// pkexec on Linux), with a copy of gowarden that root may run, and keeps a pointer to
    /// root's record in the user's journal (`finding`: what the repair fixed).
    fn elevated(
        &self,
        repairs: &Repairs,
        request: &AdminRequest,
        finding: &str,
        why: &RepairError,
    ) -> Result<Done, IpcError> {
        let needs = |how: String| IpcError {
            message: format!("{why}; {how}"),
            ..IpcError::from(why)
        };
        let helper = match elevate::helper(self.cli.as_deref()) {
            Ok(h) => h,
            Err(none) => {
                return Err(IpcError {
                    reason: Some(repair::Reason::NoHelper),
                    ..needs(none.to_string())
                });
            }
        };
        let cmd = match &self.pkexec {
            Some(pkexec) => Some(elevate::pkexec_command(pkexec, &helper, request)),
            None => elevate::elevated_command(&helper, request),
        };
        let Some(cmd) = cmd else {
            return Err(needs(format!(
                "no administrator prompt is available here (install pkexec), or run: {}",
                elevate::sudo_line(&helper, request)
            )));
        };
        let output = elevate::run(&cmd, PROMPT_TIMEOUT)
            .map_err(|e| IpcError::new(IpcErrorKind::Failed, e.to_string()))?;
        if output.code != Some(0) {
            return Err(elevation_failed(
                output.code,
                &output.stdout,
                &output.stderr,
            ));
        }
        let admin = admin_record(&output.stdout).ok_or_else(|| {
            IpcError::new(
                IpcErrorKind::Internal,
                "the administrator's run said it was done, but not what it did",
            )
        })?;
        let record = repairs
            .remember(&admin, finding)
            .map_err(|e| IpcError::from(&e))?;
        Ok(Done::of(&record))
    }

    /// The drift journal with repairs and undos, newest first.
    pub fn history(&self, limit: usize) -> Result<Vec<DriftEvent>, IpcError> {
        let Some(dir) = &self.data_dir else {
            return Ok(Vec::new());
        };
        let mut events = history::read_with_repairs(
            dir,
            Query {
                limit: Some(limit),
                since: None,
            },
        )
        .map_err(|e| IpcError::new(IpcErrorKind::Failed, e.to_string()))?
        .records;
        events.reverse();
        Ok(events)
    }

    /// The settings.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// What was wrong with the settings file at start, once.
    pub fn take_settings_warning(&self) -> Option<String> {
        lock(&self.settings_warning).take()
    }

    /// Saves `settings` (brought into range) and returns them as kept.
    pub fn set_settings(&self, settings: Settings) -> Result<Settings, IpcError> {
        let settings = settings.sanitized();
        if let Some(dir) = &self.data_dir {
            settings.save(dir)?;
        }
        *lock(&self.settings) = settings.clone();
        Ok(settings)
    }
}

/// The Go root of the candidate whose link target is `target`, in the finding `id`'s relink.
fn candidate_goroot(report: &Report, id: &str, target: &str) -> Result<PathBuf, IpcError> {
    let finding = report.finding(id).ok_or_else(|| {
        IpcError::from(&RepairError::NotFound {
            selector: id.to_string(),
            what: None,
        })
    })?;
    match &finding.action {
        Action::Relink { candidates, .. } => candidates
            .iter()
            .find(|c| c.target == Path::new(target) || c.goroot == Path::new(target))
            .map(|c| c.goroot.clone())
            // Not a candidate: the engine says why, with the candidates it has.
            .map_or_else(|| Ok(PathBuf::from(target)), Ok),
        _ => Ok(PathBuf::from(target)),
    }
}

/// The record an administrator run printed (`gowarden admin ... --json`) when done.
fn admin_record(stdout: &[u8]) -> Option<RepairRecord> {
    #[derive(serde::Deserialize)]
    struct Printed {
        status: Status,
        record: RepairRecord,
    }
    let p: Printed = serde_json::from_slice(stdout).ok()?;
    (p.status == Status::Done).then_some(p.record)
}

/// Why an administrator's run did not succeed, as an IpcError: the CLI's own JSON refusal
/// when it got to run; else the prompt's answer (pkexec exits 126 when the user dismissed
/// its dialog and 127 when authorization failed, e.g. with no polkit agent; osascript says
/// "User canceled. (-128)"); else what it printed.
fn elevation_failed(code: Option<i32>, stdout: &[u8], stderr: &[u8]) -> IpcError {
    #[derive(serde::Deserialize)]
    struct Refusal {
        message: Option<String>,
        reason: Option<repair::Reason>,
    }
    if let Ok(r) = serde_json::from_slice::<Refusal>(stdout)
        && let Some(message) = r.message
    {
        return IpcError {
            kind: IpcErrorKind::Refused,
            message,
            reason: r.reason,
        };
    }
    let err = String::from_utf8_lossy(stderr).trim().to_string();
    let denied = |message: String| IpcError::new(IpcErrorKind::PrivilegeDenied, message);
    if code == Some(126) || err.contains("(-128)") || err.is_empty() {
        return denied("the administrator prompt was cancelled; nothing was changed".into());
    }
    if let Some(why) = err.strip_prefix("Error executing command as another user: ") {
        let hint = if why.contains("agent") {
            " (a polkit authentication agent must run in your desktop session)"
        } else {
            ""
        };
        return denied(format!(
            "pkexec could not get an administrator's approval: {why}{hint}; nothing was changed"
        ));
    }
    denied(format!("the administrator's run failed: {err}"))
}

/// The `gowarden` CLI: `GOWARDEN_CLI`, else beside the app's executable (cargo builds both
/// into one directory; a bundle ships it there too).
pub fn locate_cli() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GOWARDEN_CLI") {
        return Some(PathBuf::from(p));
    }
    let exe = std::env::current_exe().ok()?;
    let cli = exe.parent()?.join("gowarden");
    cli.is_file().then_some(cli)
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(PoisonError::into_inner)
}

fn lock<T>(l: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    l.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied(code: i32, stderr: &str) -> String {
        let e = elevation_failed(Some(code), b"", stderr.as_bytes());
        assert_eq!(e.kind, IpcErrorKind::PrivilegeDenied, "{e:?}");
        e.message
    }

    #[test]
    fn the_prompts_answers_are_told_apart() {
        // pkexec(1): 126 when the user dismissed the dialog, 127 when authorization failed.
        let dismissed = "Error executing command as another user: Request dismissed";
        assert!(denied(126, dismissed).contains("cancelled"));
        let osascript = "0:77: execution error: User canceled. (-128)";
        assert!(denied(1, osascript).contains("cancelled"));
        let no_agent = "Error executing command as another user: No authentication agent found.";
        let m = denied(127, no_agent);
        assert!(
            m.contains("No authentication agent found") && m.contains("polkit"),
            "{m}"
        );
        let m = denied(
            127,
            "Error executing command as another user: Not authorized",
        );
        assert!(
            m.contains("Not authorized") && !m.contains("polkit authentication agent"),
            "{m}"
        );
        assert!(denied(2, "error: a usage error").contains("a usage error"));
    }

    #[test]
    fn the_clis_own_refusal_is_passed_on() {
        let stdout = br#"{"status":"refused","reason":"not-allowed","message":"/etc/shadow is not one of the links gowarden changes as an administrator","sudo":null}"#;
        let e = elevation_failed(Some(1), stdout, b"");
        assert_eq!(e.kind, IpcErrorKind::Refused);
        assert_eq!(e.reason, Some(repair::Reason::NotAllowed));
        assert!(e.message.starts_with("/etc/shadow is not one of"), "{e:?}");
    }
}
