//! `#!` scripts. Version managers put shell-script shims on PATH (goenv, asdf), so a `go`
//! that is a script says "a shim runs here", and its interpreter says which.

use serde::Serialize;

/// Linux reads at most this much of a `#!` line (`BINPRM_BUF_SIZE`); macOS reads 512.
const MAX_LINE: usize = 512;

/// The `#!` line of a script.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shebang {
    /// The interpreter program, e.g. `/usr/bin/env` or `/bin/bash`.
    pub interpreter: String,
    /// The rest of the line, e.g. `bash` in `#!/usr/bin/env bash`.
    pub args: Option<String>,
}

/// Parses the first line of `data`, which starts with `#!`.
pub(super) fn parse(data: &[u8]) -> Result<Shebang, String> {
    let head = &data[2.min(data.len())..data.len().min(MAX_LINE)];
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let line = line.trim_matches(|c: char| c.is_ascii_whitespace());
    let (program, args) = match line.split_once([' ', '\t']) {
        Some((p, a)) => (p, Some(a.trim()).filter(|a| !a.is_empty())),
        None => (line, None),
    };
    if program.is_empty() {
        return Err("the #! line names no interpreter".into());
    }
    Ok(Shebang {
        interpreter: program.to_string(),
        args: args.map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_shims_and_plain_interpreters() {
        let goenv = parse(b"#!/usr/bin/env bash\nset -e\n").unwrap();
        assert_eq!(
            goenv,
            Shebang {
                interpreter: "/usr/bin/env".into(),
                args: Some("bash".into())
            }
        );
        let sh = parse(b"#! /bin/sh \r\n").unwrap();
        assert_eq!(
            sh,
            Shebang {
                interpreter: "/bin/sh".into(),
                args: None
            }
        );
    }

    #[test]
    fn empty_or_binary_lines_do_not_panic() {
        assert!(parse(b"#!").is_err());
        assert!(parse(b"#!   \n/bin/sh").is_err());
        assert_eq!(
            parse(b"#!/bin/\xff\xfe x").unwrap().interpreter,
            "/bin/\u{fffd}\u{fffd}"
        );
    }
}
