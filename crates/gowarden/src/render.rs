//! Human-readable text for reports. The JSON is the contract; this is for people, and its
//! wording is pinned by snapshot tests so changes get reviewed.

use std::fmt::Write;

use crate::binary::{Format, Inspection, Signature, Slice};
use crate::host::Runs;
use crate::report::{GoOnPath, Report, Severity, Status, Via};
use crate::toolchain::Provider;

/// The `gowarden inspect` text for one file.
pub fn inspection(r: &Inspection) -> String {
    let mut out = String::new();
    let format = match r.format {
        Format::Macho => "Mach-O".to_string(),
        Format::Fat => format!(
            "universal Mach-O, {} slice{}",
            r.slices.len(),
            plural(r.slices.len())
        ),
        Format::Elf => "ELF".to_string(),
        Format::Script => match (&r.interpreter, &r.interpreter_args) {
            (Some(i), Some(a)) => format!("script run by {i} {a}"),
            (Some(i), None) => format!("script run by {i}"),
            _ => "script".to_string(),
        },
        Format::Unknown if r.error.is_some() => "not inspected".to_string(),
        Format::Unknown => "not an executable format gowarden reads".to_string(),
    };
    let _ = writeln!(out, "{}: {format}", r.path.display());
    for slice in &r.slices {
        let _ = writeln!(out, "  {}", slice_line(slice));
    }
    if let Some(q) = &r.quarantine {
        let agent = q.agent.as_deref().unwrap_or("an unknown app");
        let when = q
            .time
            .map(|t| format!(" on {}", date(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  quarantined: downloaded by {agent}{when} (com.apple.quarantine {})",
            q.raw
        );
    }
    if let Some(err) = &r.error {
        let _ = writeln!(out, "  error: {err}");
    }
    out
}

fn slice_line(s: &Slice) -> String {
    let mut parts = vec![format!("{}/{} {}", s.os, s.arch, s.kind)];
    match &s.go {
        Some(go) => {
            let mut p = go.version.to_string();
            if let Some(main) = &go.main {
                p.push(' ');
                p.push_str(main);
            }
            parts.push(p);
            for key in ["CGO_ENABLED", "-trimpath"] {
                if let Some(v) = go.setting(key) {
                    parts.push(format!("{key}={v}"));
                }
            }
        }
        None => parts.push("no Go build info".to_string()),
    }
    if let Some(sig) = s.signature {
        parts.push(
            match sig {
                Signature::None => "unsigned",
                Signature::Adhoc => "ad hoc signature",
                Signature::Signed => "signed",
                Signature::Invalid => "damaged signature",
            }
            .to_string(),
        );
    }
    if let Some(min) = &s.min_os {
        parts.push(format!(
            "{} {min}+",
            if s.os.as_str() == "darwin" {
                "macOS"
            } else {
                s.os.as_str()
            }
        ));
    }
    parts.join(" · ")
}

/// ANSI styling, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    fn bold(self, t: &str) -> String {
        self.wrap("1", t)
    }
    fn dim(self, t: &str) -> String {
        self.wrap("2", t)
    }
    fn severity(self, s: Severity) -> String {
        match s {
            Severity::Error => self.wrap("1;31", "error  "),
            Severity::Warning => self.wrap("1;33", "warning"),
            Severity::Info => self.wrap("1;34", "info   "),
        }
    }
}

/// The `gowarden doctor` text: the active go first with why it is the one, then the other
/// `go`s on PATH, the installations, and the findings with their why and fix.
pub fn doctor(r: &Report, color: bool) -> String {
    let p = Paint(color);
    let mut out = String::new();
    let status = match r.status {
        Status::Broken => p.wrap("1;31", "broken"),
        Status::Warning => p.wrap("1;33", "needs attention"),
        Status::Ok => p.wrap("1;32", "healthy"),
    };
    let _ = writeln!(
        out,
        "{} on {}: {status}",
        p.bold("gowarden doctor"),
        r.host.host.name()
    );
    if let Some(ls) = &r.login_shell {
        let shell = ls.shell.as_deref().unwrap_or("$SHELL");
        let line = if ls.ok {
            format!(
                "environment: your login shell's ({shell}, {} ms)",
                ls.elapsed_ms.unwrap_or(0)
            )
        } else {
            format!(
                "environment: this process's; the login shell ({shell}) failed: {}",
                ls.reason.map_or("?", |r| r.as_str())
            )
        };
        let _ = writeln!(out, "{}", p.dim(&line));
    }
    let _ = writeln!(out);
    match &r.active {
        Some(a) => {
            let _ = writeln!(out, "{} {}", p.bold("Active go:"), a.path.display());
            active_lines(&mut out, p, a, r);
        }
        None => {
            let _ = writeln!(out, "{} none: no `go` on PATH", p.bold("Active go:"));
        }
    }
    if r.go_on_path.len() > 1 {
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", p.bold("Also on PATH (shadowed):"));
        for g in &r.go_on_path[1..] {
            let _ = writeln!(out, "  {}  {}", g.path.display(), p.dim(&go_summary(g)));
        }
    }
    if !r.installations.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!("Installations ({}):", r.installations.len()))
        );
        for i in &r.installations {
            let mark = if i.healthy {
                p.wrap("32", "ok")
            } else {
                p.wrap("31", "!!")
            };
            let version = i
                .version
                .as_ref()
                .map_or("unknown".into(), ToString::to_string);
            let archs = i
                .archs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("+");
            let on_path = if i.on_path { ", on PATH" } else { "" };
            let _ = writeln!(
                out,
                "  {mark} {version:<10} {archs:<12} {} ({}{on_path})",
                i.goroot.display(),
                i.source.words()
            );
            for problem in &i.problems {
                let _ = writeln!(out, "        {}", p.dim(problem));
            }
        }
    }
    let _ = writeln!(out);
    if r.findings.is_empty() {
        let _ = writeln!(out, "{}", p.wrap("32", "No problems found."));
        return out;
    }
    let count = |s| r.findings.iter().filter(|f| f.severity == s).count();
    let _ = writeln!(
        out,
        "{} {} error{}, {} warning{}, {} info",
        p.bold("Findings:"),
        count(Severity::Error),
        plural(count(Severity::Error)),
        count(Severity::Warning),
        plural(count(Severity::Warning)),
        count(Severity::Info)
    );
    for f in &r.findings {
        let _ = writeln!(
            out,
            "  {} {} {}",
            p.severity(f.severity),
            p.bold(f.code.as_str()),
            f.message
        );
        let _ = writeln!(out, "          why: {}", f.why);
        let _ = writeln!(out, "          fix: {}", f.fix);
    }
    out
}

fn active_lines(out: &mut String, p: Paint, a: &GoOnPath, r: &Report) {
    let row = |out: &mut String, k: &str, v: String| {
        let _ = writeln!(out, "  {} {v}", p.dim(&format!("{k:<9}")));
    };
    row(out, "why", a.why.clone());
    for hop in a.chain.iter().skip(1) {
        row(out, "  ->", hop.path.display().to_string());
    }
    // The chain's last hop is the real file, unless a directory on the way was a symlink.
    let last = a.chain.last().map(|h| &h.path);
    if let Some(real) = &a.real_path
        && Some(real) != last
    {
        row(out, "real path", real.display().to_string());
    }
    row(out, "version", go_summary(a));
    match (&a.goroot, a.goroot_source) {
        (Some(root), Some(src)) => row(
            out,
            "GOROOT",
            format!("{}: {}", root.display(), src.reason()),
        ),
        _ if a.format == Format::Script || r.handed_to.is_some() => row(
            out,
            "GOROOT",
            format!("chosen at run time by {}", a.source.words()),
        ),
        _ => row(out, "GOROOT", "none can be derived".into()),
    }
    if let Some(t) = &r.gotoolchain {
        let runs = match &t.provider {
            Provider::Local => format!(
                "runs the bundled {}",
                t.local.as_deref().unwrap_or("toolchain")
            ),
            Provider::Path(p) => format!("switches to {} ({})", t.selected, p.display()),
            Provider::ModuleCache(_) => format!("switches to {} (in the module cache)", t.selected),
            Provider::Download => format!("switches to {} (to be downloaded)", t.selected),
            Provider::Unavailable => format!("needs {}, which is not available", t.selected),
        };
        let from = t.source.words();
        row(
            out,
            "toolchain",
            format!("GOTOOLCHAIN={} ({from}): {runs} here", t.value),
        );
    }
    // What really compiles, when that is not the go above itself.
    if let Some(e) = r.effective.as_ref().filter(|e| e.via != Via::Local) {
        let what = match (&e.version, &e.goroot) {
            (Some(v), Some(root)) => format!("{v} in {}", root.display()),
            (Some(v), None) => v.to_string(),
            _ => "nothing".into(),
        };
        let state = if e.present { "" } else { " (not here)" };
        row(out, "runs", format!("{what}{state}: {}", e.why));
    }
}

fn go_summary(g: &GoOnPath) -> String {
    let version = g.version.as_ref().map_or_else(
        || {
            if g.format == Format::Script {
                "shim script".into()
            } else {
                "unknown version".into()
            }
        },
        ToString::to_string,
    );
    let archs = g
        .archs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("+");
    let os = g.os.as_ref().map(ToString::to_string).unwrap_or_default();
    let runs = match &g.runs {
        Runs::Native => "native".to_string(),
        Runs::Translated { by } => format!("under {by}"),
        Runs::No { .. } => "cannot run here".to_string(),
    };
    let target = if archs.is_empty() {
        String::new()
    } else {
        format!(" · {os}/{archs}")
    };
    format!("{version}{target} · {runs} · {}", g.source.words())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `YYYY-MM-DD` (UTC) for seconds since the epoch, without a date library.
fn date(secs: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::date(0), "1970-01-01");
        assert_eq!(super::date(0x5837_1e3c), "2016-11-24");
        assert_eq!(super::date(951_782_400), "2000-02-29");
    }
}
