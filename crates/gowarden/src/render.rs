//! Human-readable text for reports. The JSON is the contract; this is for people, and its
//! wording is pinned by snapshot tests so changes get reviewed.

use std::fmt::Write;

use crate::binary::{Format, Inspection, Signature, Slice};

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
