//! Planning: from a finding of a fresh scan to the exact edits that fix it. Pure: what the disk
//! holds (sibling links, a startup file's bytes) comes in as arguments.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::RepairError;
use super::record::{Edit, raw_path};
use crate::install::Source;
use crate::report::{Action, Candidate, Code, Finding, LinkKind};
use crate::shell;
use crate::version::GoVersion;

/// What a line commented out by a repair starts with.
pub const COMMENT_PREFIX: &[u8] = b"# gowarden: ";

/// A repair worked out from a finding: the edits, in order, and the target chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The finding it fixes.
    pub finding: String,
    /// Its code.
    pub code: Code,
    /// For a relink: the Go root the links will lead to (`--to` names it).
    #[serde(default, with = "opt_raw_path")]
    pub goroot: Option<PathBuf>,
    /// That root's Go version.
    pub version: Option<GoVersion>,
    /// Who installed that root.
    pub source: Option<Source>,
    /// Every change, in the order it is made; all or nothing.
    pub edits: Vec<Edit>,
    /// Links beside it that were left alone, and why.
    pub notes: Vec<String>,
}

impl Plan {
    /// What it will do, in one sentence.
    pub fn summary(&self) -> String {
        let target = match (&self.version, &self.goroot) {
            (Some(v), Some(r)) => format!(" ({v} at {})", r.display()),
            (None, Some(r)) => format!(" ({})", r.display()),
            _ => String::new(),
        };
        match self.edits.first() {
            Some(Edit::Link { path, after, .. }) => format!(
                "point {} at {}{target}{}",
                path.display(),
                after.display(),
                more_links(self.edits.len() - 1)
            ),
            Some(Edit::ShellLine {
                path, line, before, ..
            }) => format!(
                "comment out line {line} of {} (`{before}`), so a new shell derives GOROOT from the go binary",
                path.display()
            ),
            None => "nothing".into(),
        }
    }
}

/// ` and N more links into the same tree`, or nothing when `n` is 0.
pub(crate) fn more_links(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => " and 1 more link into the same tree".into(),
        n => format!(" and {n} more links into the same tree"),
    }
}

/// A symlink beside the one being repaired, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sibling {
    /// The link.
    pub path: PathBuf,
    /// Its text.
    pub target: PathBuf,
}

/// The candidate `to` picks (any of the finding's, compared with `same`), or the best one.
pub(crate) fn choose<'a>(
    finding: &Finding,
    candidates: &'a [Candidate],
    to: Option<&Path>,
    same: impl Fn(&Path, &Path) -> bool,
) -> Result<&'a Candidate, RepairError> {
    match to {
        None => candidates
            .first()
            .ok_or_else(|| RepairError::NotRepairable {
                id: finding.id.clone(),
                fix: finding.fix.clone(),
            }),
        Some(to) => candidates
            .iter()
            .find(|c| same(&c.goroot, to))
            .ok_or_else(|| RepairError::NotACandidate {
                to: to.to_path_buf(),
                why: String::new(),
                candidates: candidates.iter().map(|c| c.goroot.clone()).collect(),
            }),
    }
}

/// The plan for a relink finding: the link to `choice`'s target, and, when the old target
/// was `<tree>/bin/go` in a tree that is gone (`tree_missing`), every sibling link into that
/// tree moved to the same place in the new one — if `exists` says it is there.
pub(crate) fn relink(
    finding: &Finding,
    choice: &Candidate,
    siblings: &[Sibling],
    tree_missing: bool,
    exists: impl Fn(&Path, &Path) -> bool,
) -> Result<Plan, RepairError> {
    let Action::Relink {
        link,
        link_kind,
        current_target,
        ..
    } = &finding.action
    else {
        return Err(RepairError::NotRepairable {
            id: finding.id.clone(),
            fix: finding.fix.clone(),
        });
    };
    let mut edits = vec![Edit::Link {
        path: link.clone(),
        before: current_target.clone(),
        after: choice.target.clone(),
    }];
    let mut notes = Vec::new();
    let tree = |t: &Path| {
        (t.ends_with("bin/go"))
            .then(|| t.parent().and_then(Path::parent))
            .flatten()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
    };
    if *link_kind == LinkKind::GoBinary
        && tree_missing
        && let (Some(old), Some(new)) = (tree(current_target), tree(&choice.target))
    {
        for s in siblings {
            if s.path == *link {
                continue;
            }
            let Ok(rest) = s.target.strip_prefix(&old) else {
                continue;
            };
            let after = new.join(rest);
            if exists(&s.path, &after) {
                edits.push(Edit::Link {
                    path: s.path.clone(),
                    before: s.target.clone(),
                    after,
                });
            } else {
                notes.push(format!(
                    "{} also pointed into the removed tree, but {} has no {}: left as it is",
                    s.path.display(),
                    choice.goroot.display(),
                    rest.display()
                ));
            }
        }
    }
    Ok(Plan {
        finding: finding.id.clone(),
        code: finding.code,
        goroot: Some(choice.goroot.clone()),
        version: choice.version.clone(),
        source: Some(choice.source),
        edits,
        notes,
    })
}

/// The plan for an edit-shell-file finding, given the file's bytes now (`real` is where they
/// were read: the file itself, or where its symlink leads), and the new bytes: exactly the
/// named line with `# gowarden: ` in front, every other byte kept.
pub(crate) fn comment_out(
    finding: &Finding,
    real: &Path,
    bytes: &[u8],
) -> Result<(Plan, Vec<u8>), RepairError> {
    let Action::EditShellFile { file, line, text } = &finding.action else {
        return Err(RepairError::NotRepairable {
            id: finding.id.clone(),
            fix: finding.fix.clone(),
        });
    };
    let changed = |found: String| RepairError::Changed {
        path: file.clone(),
        expected: format!("line {line} to read `{text}`"),
        found,
    };
    let start = line_start(bytes, *line).ok_or_else(|| changed("a shorter file".into()))?;
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |n| start + n);
    let old = String::from_utf8_lossy(&bytes[start..end]);
    // `find_assignments` trims the line, and its `lines()` drops a CRLF's `\r`.
    if old.trim() != text || !shell::assigns(&old, "GOROOT") {
        return Err(changed(format!("`{}`", old.trim())));
    }
    if let Some(why) = why_not_alone(&bytes[..start], &old, is_fish(real)) {
        return Err(RepairError::NotRepairable {
            id: finding.id.clone(),
            fix: format!(
                "edit line {line} of {} by hand, removing only the GOROOT assignment: the line \
                 {why}, so commenting out all of it could break the file or drop another setting \
                 (`{}`)",
                file.display(),
                old.trim()
            ),
        });
    }
    let after = commented(bytes, *line).ok_or_else(|| changed("a shorter file".into()))?;
    let new_line = String::from_utf8_lossy(&after[start..end + COMMENT_PREFIX.len()])
        .trim()
        .to_string();
    let plan = Plan {
        finding: finding.id.clone(),
        code: finding.code,
        goroot: None,
        version: None,
        source: None,
        edits: vec![Edit::ShellLine {
            path: file.clone(),
            real: real.to_path_buf(),
            line: *line,
            before: text.clone(),
            after: new_line,
            before_sha256: super::fsops::sha256(bytes),
            after_sha256: super::fsops::sha256(&after),
        }],
        notes: Vec::new(),
    };
    Ok((plan, after))
}

/// Whether `path` is a fish script (its blocks end with `end`, not `fi`/`done`/`}`).
fn is_fish(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "fish")
}

/// Why the GOROOT `line` cannot simply be commented out, given the file's bytes `before` it:
/// it is not one plain assignment on a line of its own at the top level. `None` when it is.
///
/// A deliberately small reading of shell syntax: quotes, `$(..)`, `\` continuations,
/// here-documents, `;`/`&&`/`|` and the words that open and close blocks. Where it is unsure,
/// it finds a reason to refuse: the user then edits the line by hand.
pub(crate) fn why_not_alone(before: &[u8], line: &str, fish: bool) -> Option<String> {
    let mut lexer = Lexer::new(fish);
    for l in String::from_utf8_lossy(before).lines() {
        lexer.line(l);
    }
    if lexer.continued {
        return Some("continues the line before it (which ends with `\\`)".into());
    }
    if lexer.quote.is_some() || lexer.subst > 0 {
        return Some("is inside a quoted string or `$(..)` begun on an earlier line".into());
    }
    if lexer.heredoc.is_some() || !lexer.pending.is_empty() {
        return Some("is inside a here-document".into());
    }
    if lexer.blocks > 0 || lexer.parens > 0 {
        return Some(
            "is inside a block (an `if`, a loop, a function, `{ .. }` or `( .. )`)".into(),
        );
    }
    let line = line.trim_end_matches('\r');
    if line.starts_with([' ', '\t']) {
        return Some("is indented, so it may belong to a block".into());
    }
    let mut lexer = Lexer::new(fish);
    let toks = lexer.line(line);
    if lexer.continued || lexer.quote.is_some() || lexer.subst > 0 {
        return Some("continues on the next line".into());
    }
    if let Some(op) = toks.iter().find_map(|t| match t {
        Tok::Op(op) => Some(op),
        Tok::Word(_) => None,
    }) {
        return Some(format!("does more than set GOROOT (it has `{op}`)"));
    }
    let words: Vec<&str> = toks
        .iter()
        .filter_map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            Tok::Op(_) => None,
        })
        .collect();
    let goroot = |w: &str| w.starts_with("GOROOT=");
    let names = |ws: &[&str]| ws.iter().filter(|w| !w.starts_with('-')).count();
    let alone = match words.as_slice() {
        [w] => goroot(w),
        [
            "export" | "typeset" | "declare" | "local" | "readonly",
            rest @ ..,
        ] => names(rest) == 1 && rest.iter().any(|w| goroot(w)),
        ["set", rest @ ..] => {
            let plain: Vec<_> = rest.iter().filter(|w| !w.starts_with('-')).collect();
            plain.len() == 2 && *plain[0] == "GOROOT"
        }
        ["launchctl", "setenv", "GOROOT", _] => true,
        _ => false,
    };
    if alone {
        return None;
    }
    let assignments = words.iter().take_while(|w| is_assignment(w)).count();
    Some(if assignments > 0 && assignments < words.len() {
        "runs a command with GOROOT set for it, rather than setting GOROOT".into()
    } else if words.iter().filter(|w| is_assignment(w)).count() > 1 {
        "sets other variables too".into()
    } else {
        "is not a plain assignment of GOROOT".into()
    })
}

/// `NAME=...`: a shell variable assignment word.
fn is_assignment(w: &str) -> bool {
    w.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A word or an operator of one shell line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Op(String),
}

/// Just enough of a shell lexer to know, line by line, whether the next line starts at the top
/// level: outside quotes, here-documents, continuations and blocks.
struct Lexer {
    fish: bool,
    /// The open quote (`'`, `"` or a backquote), if any.
    quote: Option<char>,
    /// Open `$(`s.
    subst: usize,
    /// Open blocks (`if`..`fi`, `{`..`}`, fish's `..end`).
    blocks: usize,
    /// Open `(` subshells.
    parens: usize,
    /// The last line ended with an unquoted `\`.
    continued: bool,
    /// Here-documents begun on this line, read from the next: (delimiter, `<<-`).
    pending: Vec<(String, bool)>,
    /// The here-document being read.
    heredoc: Option<(String, bool)>,
}

impl Lexer {
    fn new(fish: bool) -> Lexer {
        Lexer {
            fish,
            quote: None,
            subst: 0,
            blocks: 0,
            parens: 0,
            continued: false,
            pending: Vec::new(),
            heredoc: None,
        }
    }

    /// Reads one line (without its newline), returning its tokens.
    fn line(&mut self, line: &str) -> Vec<Tok> {
        let line = line.trim_end_matches('\r');
        if let Some((delim, tabs)) = &self.heredoc {
            let l = if *tabs {
                line.trim_start_matches('\t')
            } else {
                line
            };
            if l == delim {
                self.heredoc = None;
                if !self.pending.is_empty() {
                    self.heredoc = Some(self.pending.remove(0));
                }
            }
            return Vec::new();
        }
        let starts_command = !self.continued && self.quote.is_none() && self.subst == 0;
        self.continued = false;
        let mut toks = Vec::new();
        let mut word = String::new();
        let mut chars = line.chars().peekable();
        let end_word = |word: &mut String, toks: &mut Vec<Tok>| {
            if !word.is_empty() {
                toks.push(Tok::Word(std::mem::take(word)));
            }
        };
        while let Some(c) = chars.next() {
            if let Some(q) = self.quote {
                word.push(c);
                if c == '\\' && q != '\'' {
                    if let Some(n) = chars.next() {
                        word.push(n);
                    }
                } else if c == q {
                    self.quote = None;
                }
                continue;
            }
            match c {
                ' ' | '\t' => end_word(&mut word, &mut toks),
                '#' if word.is_empty() => break,
                '\\' => match chars.next() {
                    Some(n) => {
                        word.push(c);
                        word.push(n);
                    }
                    None => self.continued = true,
                },
                '\'' | '"' | '`' => {
                    word.push(c);
                    self.quote = Some(c);
                }
                '$' if chars.peek() == Some(&'(') => {
                    word.push(c);
                    word.push(chars.next().unwrap_or('('));
                    self.subst += 1;
                }
                ')' if self.subst > 0 => {
                    word.push(c);
                    self.subst -= 1;
                }
                ';' | '&' | '|' | '<' | '>' | '(' | ')' if self.subst == 0 => {
                    end_word(&mut word, &mut toks);
                    let mut op = c.to_string();
                    if chars.peek() == Some(&c) && c != '(' && c != ')' {
                        op.push(c);
                        chars.next();
                    }
                    if op == "<<" {
                        let tabs = chars.peek() == Some(&'-');
                        if tabs {
                            chars.next();
                        }
                        while chars.peek().is_some_and(|c| c.is_whitespace()) {
                            chars.next();
                        }
                        let mut delim = String::new();
                        while let Some(&n) = chars.peek() {
                            if n.is_whitespace() || ";&|<>()".contains(n) {
                                break;
                            }
                            if !"'\"\\".contains(n) {
                                delim.push(n);
                            }
                            chars.next();
                        }
                        self.pending.push((delim, tabs));
                    }
                    toks.push(Tok::Op(op));
                }
                c => word.push(c),
            }
        }
        if self.quote.is_none() && self.subst == 0 {
            end_word(&mut word, &mut toks);
        }
        self.count_blocks(&toks, starts_command);
        if !self.pending.is_empty() && self.heredoc.is_none() {
            self.heredoc = Some(self.pending.remove(0));
        }
        toks
    }

    /// Counts the blocks opened and closed by words in command position.
    fn count_blocks(&mut self, toks: &[Tok], mut command: bool) {
        for t in toks {
            match t {
                Tok::Op(op) => {
                    match op.as_str() {
                        "(" if command => self.parens += 1,
                        ")" => self.parens = self.parens.saturating_sub(1),
                        _ => {}
                    }
                    command = !matches!(op.as_str(), "<" | ">" | ">>" | "<<");
                }
                Tok::Word(w) if command => {
                    let (opens, closes, next_is_command) = if self.fish {
                        match w.as_str() {
                            "if" | "while" => (true, false, true),
                            "for" | "function" | "switch" | "begin" => (true, false, false),
                            "end" => (false, true, false),
                            "else" | "and" | "or" | "not" => (false, false, true),
                            _ => (false, false, false),
                        }
                    } else {
                        match w.as_str() {
                            "if" | "while" | "until" | "{" => (true, false, true),
                            "for" | "case" | "select" => (true, false, false),
                            "fi" | "done" | "esac" | "}" => (false, true, false),
                            "then" | "do" | "else" | "elif" | "!" | "time" => (false, false, true),
                            _ => (false, false, is_assignment(w)),
                        }
                    };
                    if opens {
                        self.blocks += 1;
                    }
                    if closes {
                        self.blocks = self.blocks.saturating_sub(1);
                    }
                    command = next_is_command;
                }
                Tok::Word(_) => {}
            }
        }
    }
}

/// `bytes` with 1-based line `n` commented out: [`COMMENT_PREFIX`] in front of it, every other
/// byte as it was. `None` when there is no such line.
pub(crate) fn commented(bytes: &[u8], n: usize) -> Option<Vec<u8>> {
    let start = line_start(bytes, n)?;
    let mut after = Vec::with_capacity(bytes.len() + COMMENT_PREFIX.len());
    after.extend_from_slice(&bytes[..start]);
    after.extend_from_slice(COMMENT_PREFIX);
    after.extend_from_slice(&bytes[start..]);
    Some(after)
}

/// The byte offset where 1-based line `n` starts.
fn line_start(bytes: &[u8], n: usize) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..n {
        start += bytes[start..].iter().position(|&b| b == b'\n')? + 1;
    }
    (start < bytes.len()).then_some(start)
}

/// [`raw_path`] for an optional path.
mod opt_raw_path {
    use std::path::{Path, PathBuf};

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Wrap(#[serde(with = "super::raw_path")] PathBuf);

    #[derive(Serialize)]
    struct WrapRef<'a>(#[serde(with = "super::raw_path")] &'a Path);

    pub fn serialize<S: Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
        p.as_deref().map(WrapRef).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
        Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Role, Severity, Subject};

    fn relink_finding(link: &str, current: &str, candidates: Vec<Candidate>) -> Finding {
        Finding {
            id: format!("dangling-symlink:{link}"),
            code: Code::DanglingSymlink,
            severity: Severity::Error,
            message: String::new(),
            why: String::new(),
            fix: "brew reinstall go".into(),
            subjects: vec![Subject {
                role: Role::GoLink,
                path: link.into(),
                line: None,
            }],
            action: Action::Relink {
                link: link.into(),
                link_kind: LinkKind::GoBinary,
                current_target: current.into(),
                candidates,
            },
        }
    }

    fn keg(v: &str) -> Candidate {
        Candidate {
            target: format!("../Cellar/go/{v}/bin/go").into(),
            goroot: format!("/opt/homebrew/Cellar/go/{v}/libexec").into(),
            version: Some(format!("go{v}").parse().unwrap()),
            archs: vec!["arm64".parse().unwrap()],
            source: Source::Homebrew,
            native: true,
        }
    }

    fn sib(name: &str, target: &str) -> Sibling {
        Sibling {
            path: PathBuf::from("/opt/homebrew/bin").join(name),
            target: target.into(),
        }
    }

    #[test]
    fn homebrew_go_and_gofmt_move_together_to_the_chosen_keg() {
        let f = relink_finding(
            "/opt/homebrew/bin/go",
            "../Cellar/go/1.22.3/bin/go",
            vec![keg("1.23.4"), keg("1.23.1")],
        );
        let Action::Relink { candidates, .. } = &f.action else {
            unreachable!()
        };
        let siblings = [
            sib("go", "../Cellar/go/1.22.3/bin/go"),
            sib("gofmt", "../Cellar/go/1.22.3/bin/gofmt"),
            sib("node", "../Cellar/node/22/bin/node"),
            sib("gopls", "../Cellar/go/1.22.3/bin/gopls"),
        ];
        let no_gopls = |_: &Path, t: &Path| !t.ends_with("gopls");
        let c = choose(&f, candidates, None, |a, b| a == b).unwrap();
        let p = relink(&f, c, &siblings, true, no_gopls).unwrap();
        let afters: Vec<_> = p
            .edits
            .iter()
            .map(|e| match e {
                Edit::Link { path, after, .. } => format!("{} {}", path.display(), after.display()),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(
            afters,
            [
                "/opt/homebrew/bin/go ../Cellar/go/1.23.4/bin/go",
                "/opt/homebrew/bin/gofmt ../Cellar/go/1.23.4/bin/gofmt",
            ]
        );
        assert_eq!(
            p.notes.len(),
            1,
            "gopls has no counterpart: noted, untouched"
        );
        assert!(p.summary().contains("and 1 more link"), "{}", p.summary());

        // --to picks another candidate, and nothing else.
        let older = Path::new("/opt/homebrew/Cellar/go/1.23.1/libexec");
        let c = choose(&f, candidates, Some(older), |a, b| a == b).unwrap();
        assert_eq!(c.target, Path::new("../Cellar/go/1.23.1/bin/go"));
        let e = choose(&f, candidates, Some(Path::new("/tmp/go")), |a, b| a == b).unwrap_err();
        assert!(matches!(e, RepairError::NotACandidate { .. }), "{e:?}");

        // The old tree still there: it is a wrong link, not a removed tree; only it moves.
        let c = choose(&f, candidates, None, |a, b| a == b).unwrap();
        let p = relink(&f, c, &siblings, false, |_, _| true).unwrap();
        assert_eq!(p.edits.len(), 1);
    }

    #[test]
    fn no_candidate_is_not_repairable() {
        let f = relink_finding("/opt/homebrew/bin/go", "../Cellar/go/1.22.3/bin/go", vec![]);
        let e = choose(&f, &[], None, |a, b| a == b).unwrap_err();
        assert!(matches!(e, RepairError::NotRepairable { .. }), "{e:?}");
    }

    fn shell_finding(line: usize, text: &str) -> Finding {
        Finding {
            id: "goroot-env-mismatch:/usr/local/go".into(),
            code: Code::GorootEnvMismatch,
            severity: Severity::Error,
            message: String::new(),
            why: String::new(),
            fix: String::new(),
            subjects: Vec::new(),
            action: Action::EditShellFile {
                file: "/home/me/.zshrc".into(),
                line,
                text: text.into(),
            },
        }
    }

    #[test]
    fn exactly_the_line_is_commented_out_and_every_other_byte_kept() {
        let before =
            b"# mine\r\nexport GOROOT=/usr/local/go # old\r\nexport PATH=$GOROOT/bin:$PATH\n\xff tail";
        let f = shell_finding(2, "export GOROOT=/usr/local/go # old");
        let (plan, after) = comment_out(&f, Path::new("/home/me/.zshrc"), before).unwrap();
        assert_eq!(
            after,
            b"# mine\r\n# gowarden: export GOROOT=/usr/local/go # old\r\nexport PATH=$GOROOT/bin:$PATH\n\xff tail"
        );
        let Edit::ShellLine {
            after: line,
            before_sha256,
            after_sha256,
            ..
        } = &plan.edits[0]
        else {
            unreachable!()
        };
        assert_eq!(line, "# gowarden: export GOROOT=/usr/local/go # old");
        assert_eq!(before_sha256, &crate::repair::fsops::sha256(before));
        assert_eq!(after_sha256, &crate::repair::fsops::sha256(&after));
        assert!(
            plan.summary()
                .starts_with("comment out line 2 of /home/me/.zshrc")
        );
    }

    #[test]
    fn a_file_that_changed_since_the_scan_is_refused() {
        let f = shell_finding(2, "export GOROOT=/usr/local/go");
        for bytes in [
            &b"export GOROOT=/usr/local/go\n"[..],
            b"a\nexport GOROOT=/opt/go\n",
            b"a\n# export GOROOT=/usr/local/go\n",
            b"a\n",
        ] {
            let e = comment_out(&f, Path::new("/x"), bytes).unwrap_err();
            assert!(matches!(e, RepairError::Changed { .. }), "{e:?}");
        }
    }

    #[test]
    fn a_line_that_does_more_than_set_goroot_or_sits_in_a_block_is_left_to_the_user() {
        let ok = |before: &str, line: &str| why_not_alone(before.as_bytes(), line, false);
        let refused = |before: &str, line: &str, why: &str| {
            let got = ok(before, line);
            assert!(
                got.as_deref().is_some_and(|g| g.contains(why)),
                "{before:?} then {line:?}: {got:?}, wanted {why:?}"
            );
        };
        // One plain assignment, at the top level: commented out.
        for line in [
            "export GOROOT=/usr/local/go",
            "GOROOT=/usr/local/go",
            "export GOROOT=\"$(brew --prefix go)/libexec\" # brew's",
            "export GOROOT='/opt/my go'",
            "typeset -x GOROOT=/x",
            "launchctl setenv GOROOT /x",
            "export GOROOT=/x\r",
        ] {
            assert_eq!(ok("# hi\nalias ll='ls -l'\n", line), None, "{line}");
        }
        for before in [
            "if [ -d /x ]; then\n  export A=1\nfi\n",
            "if [ -d /x ]; then export A=1; fi\n",
            "f() {\n  true\n}\n",
            "for d in a b; do\n  :\ndone\n",
            "case $x in\n  a) : ;;\nesac\n",
            "cat > f <<EOF\nexport GOROOT=/y\nEOF\n",
            "echo 'done fi }'\n",
            "X=\"a\nb\"\n",
        ] {
            assert_eq!(ok(before, "export GOROOT=/x"), None, "after {before:?}");
        }
        // Doing more on the line.
        refused(
            "",
            "export GOROOT=/x PATH=/x/bin:$PATH",
            "sets other variables",
        );
        refused("", "export GOROOT=/x; export PATH=$GOROOT/bin:$PATH", "`;`");
        refused("", "export GOROOT=/x && echo ok", "`&&`");
        refused("", "[ -d /x ] || export GOROOT=/x", "`||`");
        refused("", "GOROOT=/x go build", "runs a command");
        refused("", "A=1 GOROOT=/x", "sets other variables");
        refused("", "export GOROOT=/x \\", "continues on the next line");
        refused("", "export GOROOT='/x", "continues on the next line");
        // In a block, or part of another line.
        refused("", "  export GOROOT=/x", "indented");
        refused("", "\texport GOROOT=/x", "indented");
        refused("if [ -d /x ]; then\n", "export GOROOT=/x", "inside a block");
        refused("if [ -d /x ]\nthen\n", "export GOROOT=/x", "inside a block");
        refused("while true; do\n", "export GOROOT=/x", "inside a block");
        refused("case $x in\na)\n", "export GOROOT=/x", "inside a block");
        refused("setgo() {\n", "export GOROOT=/x", "inside a block");
        refused("(\n", "export GOROOT=/x", "inside a block");
        refused(
            "export PATH=/a:\\\n",
            "export GOROOT=/x",
            "continues the line before",
        );
        refused("cat > f <<'EOF'\n", "export GOROOT=/x", "here-document");
        refused("X=\"a\n", "export GOROOT=/x", "quoted string");
        assert!(
            why_not_alone(b"if test -d /x\n", "set -gx GOROOT /x", true).is_some(),
            "fish blocks"
        );
        assert_eq!(
            why_not_alone(b"if test -d /x\nend\n", "set -gx GOROOT /x", true),
            None
        );
    }

    #[test]
    fn a_goroot_line_in_a_block_is_refused_touching_nothing() {
        let f = shell_finding(2, "export GOROOT=/usr/local/go");
        let bytes = b"if [ -d /usr/local/go ]; then\nexport GOROOT=/usr/local/go\nfi\n";
        let e = comment_out(&f, Path::new("/home/me/.zshrc"), bytes).unwrap_err();
        assert!(matches!(e, RepairError::NotRepairable { .. }), "{e:?}");
        let msg = e.to_string();
        for want in ["edit line 2 of /home/me/.zshrc by hand", "inside a block"] {
            assert!(msg.contains(want), "{msg}");
        }
    }

    #[test]
    fn line_offsets() {
        assert_eq!(line_start(b"a\nb\n", 1), Some(0));
        assert_eq!(line_start(b"a\nb\n", 2), Some(2));
        assert_eq!(line_start(b"a\nb\n", 3), None);
        assert_eq!(line_start(b"a\nb", 2), Some(2));
        assert_eq!(line_start(b"a", 0), None);
    }
}
