//! What an administrator run may be asked: one of two narrow operations, carried on the
//! command line (`gowarden admin relink P FROM TO ...`, `gowarden admin undo ID`) and nothing
//! else. There is no request file, no environment and no working directory to trust: the
//! elevated side checks these few words against its fixed policy ([`super::trust`]) and
//! derives every other fact itself.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

/// The most links one request changes (Homebrew's `bin/go` and `bin/gofmt` move together).
pub const MAX_LINKS: usize = 4;

/// The longest link text accepted (the kernel's own limit for a symlink's text).
const MAX_TEXT: usize = 4095;

/// One symlink to change: the link at `path`, from the text `from` to the text `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkChange {
    /// The link: an absolute, normal path (no `.`, `..` or empty components).
    pub path: PathBuf,
    /// The text it must hold now, verbatim.
    pub from: PathBuf,
    /// The text it will hold.
    pub to: PathBuf,
}

/// An operation for the elevated side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminRequest {
    /// Change these links, all or none.
    Relink(Vec<LinkChange>),
    /// Undo the repair with this id in the administrator's own journal, which makes exactly
    /// these changes (the prompt shows them; root refuses unless its record says the same).
    Undo {
        /// The repair's id.
        id: String,
        /// The changes the undo makes: each link from the repair's text back to its old one.
        links: Vec<LinkChange>,
    },
}

/// A command line the elevated side will not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid administrator request: {0}")]
pub struct BadRequest(pub String);

impl AdminRequest {
    /// The arguments after the program: `admin relink P FROM TO ...` or `admin undo ID P FROM
    /// TO ...`. A `--` goes before the operands when one of them could be read as an option.
    pub fn args(&self) -> Vec<OsString> {
        let (op, id, changes) = match self {
            AdminRequest::Relink(changes) => ("relink", None, changes),
            AdminRequest::Undo { id, links } => ("undo", Some(id), links),
        };
        let mut args: Vec<OsString> = vec!["admin".into(), op.into()];
        let words: Vec<OsString> = id
            .map(OsString::from)
            .into_iter()
            .chain(
                changes
                    .iter()
                    .flat_map(|c| [&c.path, &c.from, &c.to])
                    .map(|p| p.clone().into_os_string()),
            )
            .collect();
        if words.iter().any(|w| w.as_encoded_bytes().starts_with(b"-")) {
            args.push("--".into());
        }
        args.extend(words);
        args
    }

    /// A relink of `words` read as `PATH FROM TO` triples, checked for shape.
    pub fn relink(words: &[PathBuf]) -> Result<AdminRequest, BadRequest> {
        Ok(AdminRequest::Relink(changes(words)?))
    }

    /// An undo of repair `id`, making the changes `words` (`PATH FROM TO` triples) name,
    /// checked for shape.
    pub fn undo(id: &str, words: &[PathBuf]) -> Result<AdminRequest, BadRequest> {
        let ok = id.len() <= 64
            && id.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if !ok {
            return Err(BadRequest(format!(
                "{id:?} is not a repair id (a letter or digit, then letters, digits, `-` and `.`; at most 64)"
            )));
        }
        Ok(AdminRequest::Undo {
            id: id.to_string(),
            links: changes(words)?,
        })
    }

    /// What will change, in the words the administrator prompt shows.
    pub fn prompt(&self) -> String {
        let each = |changes: &[LinkChange]| -> String {
            changes
                .iter()
                .map(|c| {
                    format!(
                        "{} (now {}) at {}",
                        c.path.display(),
                        c.from.display(),
                        c.to.display()
                    )
                })
                .collect::<Vec<_>>()
                .join(", and ")
        };
        match self {
            AdminRequest::Relink(changes) => format!("gowarden wants to point {}.", each(changes)),
            AdminRequest::Undo { id, links } => format!(
                "gowarden wants to undo its administrator repair {id}: point {}.",
                each(links)
            ),
        }
    }
}

/// `PATH FROM TO` triples, checked for shape.
fn changes(words: &[PathBuf]) -> Result<Vec<LinkChange>, BadRequest> {
    if words.is_empty() || !words.len().is_multiple_of(3) {
        return Err(BadRequest(format!(
            "PATH FROM TO for each link, {} words given",
            words.len()
        )));
    }
    if words.len() / 3 > MAX_LINKS {
        return Err(BadRequest(format!(
            "at most {MAX_LINKS} links change at once"
        )));
    }
    let changes = words
        .chunks(3)
        .map(|w| {
            let change = LinkChange {
                path: w[0].clone(),
                from: w[1].clone(),
                to: w[2].clone(),
            };
            change.check().map(|()| change)
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (i, c) in changes.iter().enumerate() {
        if changes[..i].iter().any(|d| d.path == c.path) {
            return Err(BadRequest(format!("{} is named twice", c.path.display())));
        }
    }
    Ok(changes)
}

impl LinkChange {
    /// The journal's edit for this change: the link, its text before and after.
    pub(crate) fn edit(&self) -> crate::repair::Edit {
        crate::repair::Edit::Link {
            path: self.path.clone(),
            before: self.from.clone(),
            after: self.to.clone(),
        }
    }

    fn check(&self) -> Result<(), BadRequest> {
        let bad = |why: &str| Err(BadRequest(format!("{}: {why}", self.path.display())));
        if !is_normal_absolute(&self.path) {
            return bad("the link must be an absolute path without `.`, `..` or `//`");
        }
        for text in [&self.from, &self.to] {
            let len = text.as_os_str().len();
            if len == 0 || len > MAX_TEXT {
                return bad("a link text must be 1 to 4095 bytes");
            }
            // `Path` reads `a/`, `a//b` and `a/./b` as `a` and `a/b`; the kernel does not.
            let bytes = text.as_os_str().as_encoded_bytes();
            if bytes.ends_with(b"/") && bytes != b"/"
                || bytes.windows(2).any(|w| w == b"//")
                || bytes.windows(3).any(|w| w == b"/./")
                || bytes.ends_with(b"/.")
            {
                return bad("a link text must be a normal path (no trailing /, //, or /./)");
            }
        }
        for word in [&self.path, &self.from, &self.to] {
            if !plain(word) {
                return bad(
                    "the words must be UTF-8 without control or bidirectional characters \
                     (they are shown in the administrator prompt)",
                );
            }
        }
        Ok(())
    }
}

/// Text a prompt shows as it is: UTF-8, without control characters or the bidirectional
/// controls that could make a prompt read otherwise than the words.
fn plain(word: &Path) -> bool {
    word.to_str().is_some_and(|s| {
        !s.chars().any(|c| {
            c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
    })
}

/// `/a/b/c`, exactly as its components spell it.
pub(crate) fn is_normal_absolute(path: &Path) -> bool {
    let mut rebuilt = PathBuf::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::Normal(_) => rebuilt.push(c),
            _ => return false,
        }
    }
    path.is_absolute() && rebuilt.as_os_str() == path.as_os_str() && path.components().count() > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<PathBuf> {
        w.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn a_relink_is_path_from_to_triples_of_normal_absolute_links() {
        let r = AdminRequest::relink(&words(&["/usr/local/go", "go1.21.13", "go1.23.4"])).unwrap();
        assert_eq!(
            r.args(),
            ["admin", "relink", "/usr/local/go", "go1.21.13", "go1.23.4"].map(OsString::from)
        );
        assert_eq!(
            r.prompt(),
            "gowarden wants to point /usr/local/go (now go1.21.13) at go1.23.4."
        );
        for bad in [
            &["/usr/local/go", "a"][..],
            &["usr/local/go", "a", "b"],
            &["/usr/local/../etc/shadow", "a", "b"],
            &["/usr/local/./go", "a", "b"],
            &["/usr/local//go", "a", "b"],
            &["/usr/local/go/", "a", "b"],
            &["/", "a", "b"],
            &["/usr/local/go", "", "b"],
            &["/usr/local/go", "a", "go1.23/"],
            &["/usr/local/go", "a", "/usr/local//go1.23"],
            &["/usr/local/go", "a", "./x/./y"],
            &["/usr/local/go", "a\x1b[2K", "b"],
            &["/usr/local/go", "a", "go\u{202e}1.23"],
            &["/usr/local/go", "a", "b", "/usr/local/go", "b", "c"],
        ] {
            assert!(AdminRequest::relink(&words(bad)).is_err(), "{bad:?}");
        }
        let five: Vec<&str> = (0..5).flat_map(|_| ["/usr/bin/go", "a", "b"]).collect();
        assert!(AdminRequest::relink(&words(&five)).is_err());
    }

    #[test]
    fn operands_that_look_like_options_come_after_a_double_dash() {
        let r = AdminRequest::relink(&words(&["/usr/bin/go", "-rf", "x"])).unwrap();
        assert_eq!(
            r.args(),
            ["admin", "relink", "--", "/usr/bin/go", "-rf", "x"].map(OsString::from)
        );
    }

    #[test]
    fn an_undo_names_one_repair_id_and_what_it_changes() {
        let back = words(&["/usr/local/go", "go1.23.4", "go1.22.0"]);
        let r = AdminRequest::undo("20261204-175501-3fa2", &back).unwrap();
        assert_eq!(
            r.args(),
            [
                "admin",
                "undo",
                "20261204-175501-3fa2",
                "/usr/local/go",
                "go1.23.4",
                "go1.22.0"
            ]
            .map(OsString::from)
        );
        assert_eq!(
            r.prompt(),
            "gowarden wants to undo its administrator repair 20261204-175501-3fa2: point \
             /usr/local/go (now go1.23.4) at go1.22.0."
        );
        for bad in ["", "-x", "../x", "a b", "$(id)", &"x".repeat(65)] {
            assert!(AdminRequest::undo(bad, &back).is_err(), "{bad:?}");
        }
        assert!(
            AdminRequest::undo("x", &[]).is_err(),
            "the changes are named"
        );
    }
}
