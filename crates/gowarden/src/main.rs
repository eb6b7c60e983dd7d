//! The `gowarden` command: the engine, from a terminal.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

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
    },
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
    let mut out = io::stdout().lock();
    match cli.command {
        Command::Inspect { files, json } => {
            let reports: Vec<_> = files.iter().map(|f| gowarden::inspect(f)).collect();
            if json {
                serde_json::to_writer_pretty(&mut out, &reports).context("writing JSON")?;
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
        Command::Doctor { json } => {
            let ctx = gowarden::context::Context::from_process()?;
            let report = gowarden::doctor::scan(&ctx);
            if json {
                serde_json::to_writer_pretty(&mut out, &report).context("writing JSON")?;
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
    }
}
