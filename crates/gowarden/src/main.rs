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
        /// Judge with your login shell's environment ($SHELL -i -l), as GUI apps and editors
        /// should see it, instead of this process's.
        #[arg(long)]
        login_shell: bool,
        /// Seconds the login shell may take before it (and all it started) is killed.
        #[arg(long, value_name = "SECS", default_value = "5", value_parser = parse_timeout)]
        shell_timeout: std::time::Duration,
        /// List every process running translated, not only shells, terminals, Go tools and editors.
        #[arg(long)]
        all_processes: bool,
    },
    /// Print the JSON Schema of `gowarden doctor --json` (the report contract).
    Schema,
    /// Prints MARKER, the environment as NUL-separated KEY=VALUE pairs, and MARKER: the other
    /// half of --login-shell's protocol, run inside the user's shell.
    #[command(name = "__print-env", hide = true)]
    PrintEnv {
        /// The marker that frames the block.
        marker: String,
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
            login_shell,
            shell_timeout,
            all_processes,
        } => {
            let ctx = gowarden::context::Context::from_process()?;
            let environment = if login_shell {
                let exe = std::env::current_exe()
                    .context("finding gowarden's own path for --login-shell")?;
                gowarden::doctor::EnvChoice::LoginShell(gowarden::doctor::LoginShell {
                    printer: vec![exe.into_os_string(), "__print-env".into()],
                    timeout: shell_timeout,
                })
            } else {
                gowarden::doctor::EnvChoice::Process
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
        Command::Schema => {
            serde_json::to_writer_pretty(&mut *out, &gowarden::report::json_schema())
                .context("writing JSON")?;
            writeln!(out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::PrintEnv { marker } => {
            gowarden::shell::write_env_block(out, &marker, std::env::vars_os())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
