//! Quoting for the shells and scripts gowarden writes commands for: POSIX `sh` words that
//! turn back into exactly the original bytes, and AppleScript string literals.
//!
//! Commands are built without a shell where there is a choice (`pkexec` takes argv). Where a
//! shell string is unavoidable (osascript's `do shell script`, a line printed for a person to
//! paste), every word goes through [`sh_word`].

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

/// A word for a POSIX `sh` command line, as printable ASCII (plus newline and tab) that the
/// shell turns back into exactly `bytes`. Plain words stay as they are; others are single-
/// quoted, a `'` becomes `\'` outside the quotes, and every other byte (controls, non-ASCII,
/// non-UTF-8) is produced by `printf` with an octal escape, which nothing in `sh` re-reads.
pub fn sh_word(bytes: &[u8]) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b);
    if !bytes.is_empty() && bytes.iter().all(|&b| plain(b)) {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    let mut out = String::new();
    let mut quoted = false;
    for &b in bytes {
        let literal = (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t';
        if b == b'\'' || !literal {
            if quoted {
                out.push('\'');
                quoted = false;
            }
            if b == b'\'' {
                out.push_str("\\'");
            } else {
                out.push_str(&format!("\"$(printf '\\{b:03o}')\""));
            }
        } else {
            if !quoted {
                out.push('\'');
                quoted = true;
            }
            out.push(b as char);
        }
    }
    if quoted {
        out.push('\'');
    }
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// A command line for `sh`: each word through [`sh_word`].
pub fn sh_command<S: AsRef<OsStr>>(words: &[S]) -> String {
    words
        .iter()
        .map(|w| sh_word(w.as_ref().as_bytes()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An AppleScript string literal holding `s` (printable ASCII, newlines and tabs, as
/// [`sh_command`] gives).
pub fn applescript_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::process;

    /// Words that break naive quoting.
    pub(crate) fn nasty() -> Vec<Vec<u8>> {
        [
            &b"/usr/local/bin/gowarden"[..],
            b"/Users/me/Library/Application Support/dev.gowarden.gowarden/requests/r.json",
            b"it's",
            b"''",
            b"\"double\" quotes",
            b"$HOME and ${PATH} and $(id) and `id`",
            b"back\\slash\\",
            b"new\nline\n",
            b"\n",
            b"tab\tand\rcr",
            b"\xff\xfe not utf-8 \x80",
            "h\u{e9}llo \u{1F600}".as_bytes(),
            b"!*?[]{};&|<>#~ %",
            b"-n",
            b"",
            b"\x01\x1b[31m\x7f",
        ]
        .map(<[u8]>::to_vec)
        .to_vec()
    }

    /// What `sh -c '<script> "$@"'` receives, NUL-separated, via a real `/bin/sh`.
    pub(crate) fn through_sh(command: &str) -> Vec<Vec<u8>> {
        let script = format!("printf '%s\\0' {command}");
        let out = process::run(
            Path::new("/bin/sh"),
            &[OsStr::new("-c"), OsStr::new(&script)],
            [("PATH", "/usr/bin:/bin"), ("HOME", "/nonexistent")],
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(
            out.code,
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut words: Vec<Vec<u8>> = out.stdout.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
        assert_eq!(words.pop(), Some(Vec::new()), "ends with a NUL");
        words
    }

    #[test]
    fn every_word_survives_the_shell_byte_for_byte() {
        let words = nasty();
        let os: Vec<OsString> = words.iter().cloned().map(OsString::from_vec).collect();
        let command = sh_command(&os);
        assert!(
            command
                .bytes()
                .all(|b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t'),
            "printable ASCII only: {command:?}"
        );
        assert_eq!(through_sh(&command), words);
    }

    /// Reads an AppleScript string literal back (the escapes [`applescript_string`] writes).
    pub(crate) fn unescape_applescript(lit: &str) -> String {
        let inner = lit.strip_prefix('"').unwrap().strip_suffix('"').unwrap();
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                out.push(match chars.next().unwrap() {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    other => other,
                });
            } else {
                assert!(c != '"', "unescaped quote in {lit}");
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn an_applescript_literal_reads_back_as_the_text() {
        for s in ["plain", "a \"quoted\" \\ word", "new\nline\ttab\r"] {
            assert_eq!(unescape_applescript(&applescript_string(s)), s);
        }
    }
}
