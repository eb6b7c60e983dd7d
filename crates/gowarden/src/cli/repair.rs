//! `gowarden repair`, `gowarden undo` and `gowarden admin` on a terminal: the engine's plans
//! and outcomes as text or JSON, the confirmation prompt, and the `sudo` line when a link is
//! root's. Everything it decides comes from `gowarden::repair`.

use std::io::{self, BufRead as _, IsTerminal as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use gowarden::context::Context;
use gowarden::doctor;
use gowarden::repair::elevate::{self, AdminRequest};
use gowarden::repair::{self, Plan, Reason, RepairError, RepairRecord, Repairs, Status};
use gowarden::report::{Action, Report};
use serde_json::json;

/// What `gowarden repair` was asked.
pub struct RepairArgs {
    pub finding: Option<String>,
    pub list: bool,
    pub to: Option<PathBuf>,
    pub dry_run: bool,
    pub yes: bool,
    pub json: bool,
}

const REFUSED: u8 = 1;
const USAGE: u8 = 2;

pub fn repair(args: &RepairArgs, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    if let Some(code) = refuse_as_root_for_someone(args.json, out)? {
        return Ok(code);
    }
    let ctx = Context::from_process()?;
    let repairs = match Repairs::new(&ctx, doctor::Options::default()) {
        Ok(r) => r,
        Err(e) => return refused(&e, None, args.json, out),
    };
    let reconciled = match settle(&repairs) {
        Ok(r) => r,
        Err(e) => return refused(&e, None, args.json, out),
    };
    let report = repairs.scan();
    if args.list {
        list(&report, &reconciled, args.json, out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let selector = args.finding.as_deref().unwrap_or_default();
    let plan = match repairs.plan(&report, selector, args.to.as_deref()) {
        Ok(p) => p,
        Err(e) => return refused(&e, None, args.json, out),
    };
    if args.dry_run {
        if args.json {
            write_json(
                out,
                &json!({"status": Status::DryRun, "summary": plan.summary(), "plan": plan}),
            )?;
        } else {
            write!(out, "{}", describe(&plan))?;
            writeln!(out, "(dry run: nothing was changed)")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if !args.yes {
        if !io::stdin().is_terminal() {
            eprintln!(
                "gowarden: stdin is not a terminal, so there is no one to ask: pass --yes to repair without asking"
            );
            return Ok(ExitCode::from(USAGE));
        }
        eprint!("{}Repair it? [y/N] ", describe(&plan));
        let mut answer = String::new();
        io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            eprintln!("Nothing was changed.");
            return Ok(ExitCode::from(REFUSED));
        }
    }
    match repairs.apply(&plan) {
        Ok(record) => done(&record, None, args.json, out),
        Err(e) if e.status() == Status::NeedsPrivilege => match elevate::request_for(&plan) {
            Ok(request) => needs_admin(&e, &request, args.json, out),
            // The policy refuses it: no administrator is asked, and the reason is said.
            Err(why) => refused(&why, None, args.json, out),
        },
        Err(e) => refused(&e, None, args.json, out),
    }
}

pub fn undo(
    id: Option<&str>,
    force: bool,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    if let Some(code) = refuse_as_root_for_someone(json, out)? {
        return Ok(code);
    }
    let ctx = Context::from_process()?;
    let repairs = match Repairs::new(&ctx, doctor::Options::default()) {
        Ok(r) => r,
        Err(e) => return refused(&e, None, json, out),
    };
    if let Err(e) = settle(&repairs) {
        return refused(&e, None, json, out);
    }
    match repairs.undo(id, force) {
        Ok(record) => done(&record, None, json, out),
        // Root's own record: only an administrator run undoes it, under the same policy.
        Err(e @ RepairError::Elevated { .. }) => {
            let RepairError::Elevated { id } = &e else {
                unreachable!("matched above")
            };
            match repairs.elevated_undo(id) {
                Ok((request, _)) => needs_admin(&e, &request, json, out),
                Err(why) => refused(&why, None, json, out),
            }
        }
        Err(e) => refused(&e, None, json, out),
    }
}

/// `sudo gowarden repair` (or pkexec) would scan and repair with the caller's environment but
/// root's rights, in root's data directory: refused, pointing at the one command that needs
/// an administrator. (The variables are read only to refuse; nothing is taken from them.)
fn refuse_as_root_for_someone(
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<Option<ExitCode>> {
    use std::os::unix::fs::MetadataExt as _;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    // sudo and pkexec say for whom; osascript, su and doas do not, but leave the user's HOME.
    let for_someone = ["SUDO_UID", "PKEXEC_UID"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|uid| uid != "0"))
        || std::env::var_os("HOME")
            .and_then(|h| std::fs::metadata(h).ok())
            .is_some_and(|m| m.uid() != 0);
    if !(root && for_someone) {
        return Ok(None);
    }
    let message = "gowarden repair and undo run as you, not through sudo or pkexec: when a link \
                   is root's, they print the one `gowarden admin` command that needs an \
                   administrator; nothing was changed";
    report_refusal(
        Status::Refused,
        Reason::NotAllowed,
        message,
        None,
        json,
        out,
    )
    .map(Some)
}

/// `gowarden admin ...`: the administrator side, run as root.
pub fn admin(request: AdminRequest, json: bool, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    match elevate::run_admin(&request) {
        Ok(record) => {
            let hint = (record.kind == repair::RecordKind::Repair)
                .then(|| elevate::undo_request(&record).ok())
                .flatten()
                .map(|undo| {
                    let exe = std::env::current_exe().unwrap_or_else(|_| "gowarden".into());
                    elevate::sudo_line(&exe, &undo)
                });
            done(&record, hint.as_deref(), json, out)
        }
        Err(e) => report_refusal(e.status(), e.reason(), &e.to_string(), None, json, out),
    }
}

/// A change that needs an administrator: the `sudo` line that makes it through a copy of
/// gowarden root may run, or, when there is none, how to get one.
fn needs_admin(
    e: &RepairError,
    request: &AdminRequest,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let exe = std::env::current_exe().ok();
    match elevate::helper(exe.as_deref()) {
        Ok(helper) => {
            let sudo = elevate::sudo_line(&helper, request);
            report_refusal(
                e.status(),
                e.reason(),
                &e.to_string(),
                Some(&sudo),
                json,
                out,
            )
        }
        Err(none) => report_refusal(
            Status::NeedsPrivilege,
            Reason::NoHelper,
            &format!("{e}. {none}"),
            None,
            json,
            out,
        ),
    }
}

/// Settles what a crash interrupted, telling about it on stderr.
fn settle(repairs: &Repairs) -> Result<Vec<RepairRecord>, RepairError> {
    let r = repairs.reconcile()?;
    for rec in &r.records {
        eprintln!(
            "gowarden: an interrupted {} ({}) was settled: {}{}",
            kind_word(rec),
            rec.id,
            rec.outcome,
            rec.error
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    for u in &r.unresolved {
        eprintln!(
            "gowarden: {}; gowarden tries again each time it starts",
            u.message
        );
    }
    Ok(r.records)
}

fn kind_word(r: &RepairRecord) -> &'static str {
    match r.kind {
        repair::RecordKind::Repair => "repair",
        repair::RecordKind::Undo => "undo",
    }
}

fn list(
    report: &Report,
    reconciled: &[RepairRecord],
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let found = repair::repairable(report);
    if json {
        return write_json(out, &json!({"repairable": found, "reconciled": reconciled}));
    }
    if found.is_empty() {
        writeln!(out, "Nothing gowarden can repair: {}", report.summary())?;
        return Ok(());
    }
    for f in found {
        writeln!(out, "{}  ({})", f.id, f.severity.as_str())?;
        writeln!(out, "  {}", f.message)?;
        match &f.action {
            Action::Relink { candidates, .. } => {
                for (i, c) in candidates.iter().enumerate() {
                    writeln!(
                        out,
                        "  {} {}  {} {}{}  (--to {})",
                        if i == 0 { "->" } else { "  " },
                        c.target.display(),
                        c.version
                            .as_ref()
                            .map_or_else(|| "go?".to_string(), ToString::to_string),
                        c.source.words(),
                        if c.native { "" } else { ", not native" },
                        c.goroot.display()
                    )?;
                }
            }
            other => writeln!(out, "  fix: {}", other.sentence())?,
        }
    }
    writeln!(out, "Repair one with: gowarden repair <id> [--to <goroot>]")?;
    Ok(())
}

fn describe(plan: &Plan) -> String {
    let mut s = format!("Repair {}: {}\n", plan.finding, plan.summary());
    for e in &plan.edits {
        s.push_str(&format!("  {}\n", e.describe()));
    }
    for n in &plan.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    s
}

/// A transaction carried out; `undo_hint`, the command that undoes it when it is not
/// `gowarden undo <id>`.
fn done(
    record: &RepairRecord,
    undo_hint: Option<&str>,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    if json {
        write_json(
            out,
            &json!({
                "status": Status::Done,
                "id": record.id,
                "message": record.message,
                "warning": record.warning,
                "record": record,
                // What the app's `repair`/`undo` commands return for it.
                "outcome": gowarden::ipc::RepairOutcome::from_record(record),
            }),
        )?;
    } else {
        writeln!(out, "{}", record.message)?;
        if let Some(w) = &record.warning {
            eprintln!("gowarden: warning: {w}");
        }
        match undo_hint {
            Some(hint) => writeln!(out, "Undo it with: {hint}")?,
            None if record.kind == repair::RecordKind::Repair => {
                writeln!(out, "Undo it with: gowarden undo {}", record.id)?;
            }
            None => {}
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn refused(
    e: &RepairError,
    sudo: Option<&str>,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    report_refusal(e.status(), e.reason(), &e.to_string(), sudo, json, out)
}

fn report_refusal(
    status: Status,
    reason: Reason,
    message: &str,
    sudo: Option<&str>,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    if json {
        write_json(
            out,
            &json!({"status": status, "reason": reason, "message": message, "sudo": sudo}),
        )?;
    } else {
        let word = match status {
            Status::Failed => "failed",
            Status::NeedsPrivilege => "needs-privilege",
            _ => "refused",
        };
        eprintln!("gowarden: {word}: {message}");
        if let Some(sudo) = sudo {
            eprintln!("To do it as an administrator, run:\n  {sudo}");
        }
    }
    Ok(ExitCode::from(REFUSED))
}

fn write_json(out: &mut impl Write, value: &serde_json::Value) -> anyhow::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).context("writing JSON")?;
    writeln!(out)?;
    Ok(())
}
