//! `gowarden repair` and `gowarden undo` on a terminal: the engine's plans and outcomes as
//! text or JSON, the confirmation prompt, and the `sudo` line when a link is not ours to
//! change. Everything it decides comes from `gowarden::repair`.

use std::io::{self, BufRead as _, IsTerminal as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use gowarden::context::Context;
use gowarden::doctor;
use gowarden::elevate::{self, Invoker, Task};
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
        Ok(record) => done(&record, args.json, out),
        Err(e) if e.status() == Status::NeedsPrivilege => {
            let task = Task::Repair { plan };
            let sudo = elevation(&repairs, task)?;
            refused(&e, Some(&sudo), args.json, out)
        }
        Err(e) => refused(&e, None, args.json, out),
    }
}

pub fn undo(
    id: Option<&str>,
    force: bool,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let ctx = Context::from_process()?;
    let repairs = match Repairs::new(&ctx, doctor::Options::default()) {
        Ok(r) => r,
        Err(e) => return refused(&e, None, json, out),
    };
    if let Err(e) = settle(&repairs) {
        return refused(&e, None, json, out);
    }
    match repairs.undo(id, force) {
        Ok(record) => done(&record, json, out),
        Err(e) if e.status() == Status::NeedsPrivilege => {
            // Pin the repair, so the elevated run undoes this one even if another lands first.
            let pinned = match id {
                Some(id) => Some(id.to_string()),
                None => repairs.records().ok().and_then(|r| {
                    repair::record::undoable(&r.records, None)
                        .ok()
                        .map(|r| r.id.clone())
                }),
            };
            let sudo = elevation(&repairs, Task::Undo { id: pinned, force })?;
            refused(&e, Some(&sudo), json, out)
        }
        Err(e) => refused(&e, None, json, out),
    }
}

/// Carries out a request file (run by `sudo`, osascript or pkexec, or by the user).
pub fn apply_request(
    file: &Path,
    subcommand: &str,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let request = match elevate::read_request(file, Invoker::current()) {
        Ok(r) => r,
        Err(e) => {
            let message = e.to_string();
            return report_refusal(
                Status::Refused,
                Reason::BadRequest,
                &message,
                None,
                json,
                out,
            );
        }
    };
    if request.task.subcommand() != subcommand {
        eprintln!(
            "gowarden: {} is a request for `gowarden {} --apply`",
            file.display(),
            request.task.subcommand()
        );
        return Ok(ExitCode::from(USAGE));
    }
    let repairs = match request.repairs() {
        Ok(r) => r,
        Err(e) => {
            let message = e.to_string();
            return report_refusal(
                Status::Refused,
                Reason::BadRequest,
                &message,
                None,
                json,
                out,
            );
        }
    };
    let result = match &request.task {
        Task::Repair { plan } => repairs.apply(plan),
        Task::Undo { id, force } => repairs.undo(id.as_deref(), *force),
    };
    match result {
        Ok(record) => {
            let _ = elevate::remove_request(&repairs, file);
            done(&record, json, out)
        }
        Err(e) => refused(&e, None, json, out),
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

/// Writes the request file and says how to carry it out as an administrator.
fn elevation(repairs: &Repairs, task: Task) -> anyhow::Result<String> {
    let exe =
        std::env::current_exe().context("finding gowarden's own path for the sudo command")?;
    let (request, file) = elevate::stage(repairs, task)?;
    Ok(elevate::sudo_line(&exe, &request.task, &file))
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

fn done(record: &RepairRecord, json: bool, out: &mut impl Write) -> anyhow::Result<ExitCode> {
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
        if record.kind == repair::RecordKind::Repair {
            writeln!(out, "Undo it with: gowarden undo {}", record.id)?;
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
