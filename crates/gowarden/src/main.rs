//! The `gowarden` command: the engine, from a terminal.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

// The binary's own code for `repair`/`undo` (text, prompts, sudo); the engine is `gowarden::repair`.
mod cli_watch;
#[path = "cli/repair.rs"]
mod repair_cli;

/// Keeps watch over the Go toolchains on this machine, without running them.
#[derive(Parser)]
#[command(name = "gowarden", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Say what each file is, read from its bytes: format, architectures, Go build info,
    /// code signature, quarantine. Exit status 1 if any file could not be inspected.
    Inspect {
        /// Files to inspect (symlinks are followed).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print a JSON array, one object per file.
        #[arg(long)]
        json: bool,
    },
    /// Find every Go on this machine and say exactly what is wrong and why. Exit status 0 with
    /// no error findings, 1 with any, 2 when the scan itself failed.
    ///
    /// Reads PATH, HOME, GOROOT, GOPATH, GOMODCACHE, GOENV, GOTOOLCHAIN, GOOS, GOARCH and XDG_*
    /// from the environment. GOWARDEN_HOST=<goos>/<goarch> judges as if on that host;
    /// GOWARDEN_ROOT=<dir> roots well-known system locations (/usr/local, /opt/homebrew, ...).
    Doctor {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        shell: LoginShellArgs,
        /// List every process running translated, not only shells, terminals, Go tools and editors.
        #[arg(long)]
        all_processes: bool,
    },
    /// Repair a broken Go link or a stale GOROOT export, atomically and undoably. Exit status
    /// 0 when done, 1 when refused or failed (with the reason), 2 for usage errors.
    ///
    /// Only what a fresh scan finds can be repaired: a dangling or wrong `go` or GOROOT link
    /// gets a healthy Go root (Homebrew's bin/go and bin/gofmt together), and an `export
    /// GOROOT=` line in a shell startup file is commented out. Every repair is journaled and
    /// can be undone with `gowarden undo`.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["finding", "list"])))]
    Repair {
        /// The finding: its id, its code (when one finding has it), or a path it is about.
        finding: Option<String>,
        /// List what can be repaired, with the Go roots each link may be pointed at.
        #[arg(long, conflicts_with_all = ["to", "dry_run", "yes"])]
        list: bool,
        /// Point the link at this Go root instead of the best one: one of the finding's
        /// candidates (see --list), nothing else.
        #[arg(long, value_name = "GOROOT")]
        to: Option<PathBuf>,
        /// Show what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Repair without asking (required when stdin is not a terminal).
        #[arg(long)]
        yes: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Undo a repair, restoring exactly what it replaced. Exit status 0 when done, 1 when
    /// refused or failed, 2 for usage errors.
    Undo {
        /// The repair's id (default: the newest repair not yet undone).
        id: Option<String>,
        /// Restore even if a path changed since the repair (a newer startup file is saved
        /// first; a path that is no longer a symlink is still left alone).
        #[arg(long)]
        force: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// As root: change a system Go link, the one thing gowarden does as an administrator (what
    /// the printed `sudo` line and the app's administrator prompt run). It takes nothing from
    /// the caller but these words, runs only from a copy of gowarden that is root's, and
    /// checks everything itself against a fixed policy. Exit status 0 done, 1 refused or
    /// failed, 2 usage.
    #[command(subcommand)]
    Admin(AdminOp),
    /// Watch the Go toolchain and print each change as it happens: a different `go`, a new
    /// version, a broken or repaired link, an installation added or removed, a finding opened
    /// or resolved. Every change is also kept for `gowarden history`. Stop with Ctrl-C.
    ///
    /// Events are appended to events.jsonl in the data directory: $GOWARDEN_DATA_DIR, else
    /// ~/Library/Application Support/dev.gowarden.gowarden on macOS, $XDG_DATA_HOME/gowarden
    /// (or ~/.local/share/gowarden) elsewhere.
    Watch {
        /// Print one JSON object per line: first the initial report's summary, then each event
        /// (`at`, `kind`, `subject`, `before`, `after`, `message`).
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        shell: LoginShellArgs,
        /// Seconds between full rescans when nothing was seen to change (they catch what
        /// cannot be watched, such as processes running under Rosetta).
        #[arg(long, value_name = "SECS", default_value = "600", value_parser = parse_period)]
        rescan_every: std::time::Duration,
    },
    /// Print the changes `gowarden watch` (or the app) saw, oldest first.
    History {
        /// Print one JSON object per line, as `gowarden watch --json` does.
        #[arg(long)]
        json: bool,
        /// Only the newest N.
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Only those since T: an RFC 3339 time (2026-11-29T14:00:00Z), a date (2026-11-29,
        /// UTC), or an age (90s, 30m, 12h, 7d, 2w).
        #[arg(long, value_name = "T")]
        since: Option<String>,
    },
    /// Print the JSON Schema of `gowarden doctor --json` (the report contract).
    Schema {
        /// The menu-bar app's IPC types instead (outcomes, settings, errors, drift events).
        #[arg(long)]
        ipc: bool,
    },
    /// Prints MARKER, the environment as NUL-separated KEY=VALUE pairs, and MARKER: the other
    /// half of --login-shell's protocol, run inside the user's shell.
    #[command(name = "__print-env", hide = true)]
    PrintEnv {
        /// The marker that frames the block.
        marker: String,
    },
}

/// What `gowarden admin` does.
#[derive(Subcommand)]
enum AdminOp {
    /// Point each link PATH, which must hold the text FROM now, at the text TO: PATH FROM TO,
    /// once per link (at most four, all changed or none). PATH is one of the places a Go
    /// install owns (/usr/local/go, /usr/local/bin/go, /usr/bin/go, /etc/alternatives/go,
    /// Homebrew's when root owns them), TO leads to a healthy Go root of root's.
    Relink {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// PATH FROM TO, for each link.
        #[arg(required = true, num_args = 3.., value_names = ["PATH", "FROM", "TO"])]
        links: Vec<PathBuf>,
    },
    /// Undo an administrator repair, by its id, naming what the undo changes (PATH FROM TO for
    /// each link, as the repair's output prints them): the links put back as root found them.
    Undo {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The repair's id.
        id: String,
        /// PATH FROM TO, for each link the undo changes.
        #[arg(required = true, num_args = 3.., value_names = ["PATH", "FROM", "TO"])]
        links: Vec<PathBuf>,
    },
}

/// A timeout in seconds, from 0.1 to 600 (fractions allowed).
fn parse_timeout(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.1..=600.0).contains(&secs) {
        return Err(format!("{s} s is out of range: give 0.1 to 600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// A period in seconds, from 1 s to a day.
fn parse_period(s: &str) -> Result<std::time::Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(1.0..=86_400.0).contains(&secs) {
        return Err(format!("{s} s is out of range: give 1 to 86400 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

/// `--login-shell` and `--shell-timeout`, as `doctor` and `watch` take them.
#[derive(Debug, clap::Args)]
struct LoginShellArgs {
    /// Judge with your login shell's environment ($SHELL -i -l), as GUI apps and editors
    /// should see it, instead of this process's (`watch` reads it again whenever a shell
    /// startup file changes).
    #[arg(long)]
    login_shell: bool,
    /// Seconds the login shell may take before it (and all it started) is killed.
    #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_timeout)]
    shell_timeout: std::time::Duration,
}

impl LoginShellArgs {
    /// The login shell to ask, with `--login-shell`: it runs this very binary's `__print-env`.
    fn login_shell(&self) -> anyhow::Result<Option<gowarden::doctor::LoginShell>> {
        if !self.login_shell {
            return Ok(None);
        }
        let exe =
            std::env::current_exe().context("finding gowarden's own path for --login-shell")?;
        Ok(Some(gowarden::doctor::LoginShell {
            printer: vec![exe.into_os_string(), "__print-env".into()],
            timeout: self.shell_timeout,
        }))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("gowarden: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // Buffered: stdout is line-buffered, and a pretty-printed report has hundreds of lines,
    // each of which would otherwise be its own write(2).
    let mut stdout = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let code = dispatch(cli, &mut stdout)?;
    stdout.flush().context("writing to stdout")?;
    Ok(code)
}

fn dispatch(cli: Cli, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Inspect { files, json } => {
            let reports: Vec<_> = files.iter().map(|f| gowarden::inspect(f)).collect();
            if json {
                serde_json::to_writer_pretty(&mut *out, &reports).context("writing JSON")?;
                writeln!(out)?;
            } else {
                for r in &reports {
                    write!(out, "{}", gowarden::render::inspection(r))?;
                }
            }
            let failed = reports.iter().any(|r| r.error.is_some());
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Doctor {
            json,
            shell,
            all_processes,
        } => {
            let ctx = gowarden::context::Context::from_process()?;
            let environment = match shell.login_shell()? {
                Some(ls) => gowarden::doctor::EnvChoice::LoginShell(ls),
                None => gowarden::doctor::EnvChoice::Process,
            };
            let report = gowarden::doctor::scan(
                &ctx,
                &gowarden::doctor::Options {
                    environment,
                    all_processes,
                },
            );
            if json {
                serde_json::to_writer_pretty(&mut *out, &report).context("writing JSON")?;
                writeln!(out)?;
            } else {
                let color = io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
                write!(out, "{}", gowarden::render::doctor(&report, color))?;
            }
            Ok(if report.has_errors() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Repair {
            finding,
            list,
            to,
            dry_run,
            yes,
            json,
        } => {
            let args = repair_cli::RepairArgs {
                finding,
                list,
                to,
                dry_run,
                yes,
                json,
            };
            repair_cli::repair(&args, out)
        }
        Command::Undo { id, force, json } => repair_cli::undo(id.as_deref(), force, json, out),
        Command::Admin(op) => {
            let (request, json) = match op {
                AdminOp::Relink { links, json } => (
                    gowarden::repair::elevate::AdminRequest::relink(&links),
                    json,
                ),
                AdminOp::Undo { id, links, json } => (
                    gowarden::repair::elevate::AdminRequest::undo(&id, &links),
                    json,
                ),
            };
            match request {
                Ok(request) => repair_cli::admin(request, json, out),
                Err(bad) => {
                    eprintln!("gowarden: {bad}");
                    Ok(ExitCode::from(2))
                }
            }
        }
        Command::Watch {
            json,
            shell,
            rescan_every,
        } => {
            let ctx = gowarden::context::Context::from_process()?;
            let environment = match shell.login_shell()? {
                Some(ls) => gowarden::watch::Environment::LoginShell(ls),
                None => gowarden::watch::Environment::Process,
            };
            let opts = gowarden::watch::Options {
                environment,
                timing: gowarden::watch::Timing {
                    rescan_every,
                    ..Default::default()
                },
                journal: gowarden::history::journal_for(&ctx),
                ..Default::default()
            };
            cli_watch::run(ctx, opts, json, out)
        }
        Command::History { json, limit, since } => {
            let ctx = gowarden::context::Context::from_process()?;
            let since = since
                .map(|s| {
                    let now = gowarden::watch::Timestamp::from_system(std::time::SystemTime::now());
                    gowarden::watch::parse_since(&s, now)
                })
                .transpose()?;
            let data_dir = gowarden::journal::data_dir_for(&ctx).context(
                "no data directory: set HOME, or GOWARDEN_DATA_DIR to where the journal is",
            )?;
            let journal = gowarden::history::journal(&data_dir);
            let got = gowarden::history::read_with_repairs(
                &data_dir,
                gowarden::history::Query { limit, since },
            )?;
            for e in &got.records {
                if json {
                    serde_json::to_writer(&mut *out, e).context("writing JSON")?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{}  {}", e.at, e.message)?;
                }
            }
            if got.skipped > 0 {
                eprintln!(
                    "gowarden: {} damaged line{} in {} skipped (a write cut short by a crash)",
                    got.skipped,
                    if got.skipped == 1 { "" } else { "s" },
                    journal.path().display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { ipc } => {
            let schema = if ipc {
                gowarden::ipc::json_schema()
            } else {
                gowarden::report::json_schema()
            };
            serde_json::to_writer_pretty(&mut *out, &schema).context("writing JSON")?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PrintEnv { marker } => {
            gowarden::shell::write_env_block(out, &marker, std::env::vars_os())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
