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
    /// Undo the repair with this id in the administrator's own journal.
    Undo {
        /// The repair's id.
        id: String,
    },
}

/// A command line the elevated side will not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid administrator request: {0}")]
pub struct BadRequest(pub String);

impl AdminRequest {
    /// The arguments after the program: `admin relink P FROM TO ...` or `admin undo ID`.
    /// A `--` goes before the operands when one of them could be read as an option.
    pub fn args(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["admin".into()];
        match self {
            AdminRequest::Relink(changes) => {
                args.push("relink".into());
                let words: Vec<OsString> = changes
                    .iter()
                    .flat_map(|c| [&c.path, &c.from, &c.to])
                    .map(|p| p.clone().into_os_string())
                    .collect();
                if words.iter().any(|w| w.as_encoded_bytes().starts_with(b"-")) {
                    args.push("--".into());
                }
                args.extend(words);
            }
            AdminRequest::Undo { id } => {
                args.push("undo".into());
                args.push(id.into());
            }
        }
        args
    }

    /// A relink of `words` read as `PATH FROM TO` triples, checked for shape.
    pub fn relink(words: &[PathBuf]) -> Result<AdminRequest, BadRequest> {
        if words.is_empty() || !words.len().is_multiple_of(3) {
            return Err(BadRequest(format!(
                "relink takes PATH FROM TO for each link, {} words given",
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
        Ok(AdminRequest::Relink(changes))
    }

    /// An undo of repair `id`, checked for shape.
    pub fn undo(id: &str) -> Result<AdminRequest, BadRequest> {
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
        Ok(AdminRequest::Undo { id: id.to_string() })
    }

    /// What will change, in the words the administrator prompt shows.
    pub fn prompt(&self) -> String {
        match self {
            AdminRequest::Relink(changes) => {
                let each: Vec<String> = changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{} (now {}) at {}",
                            c.path.display(),
                            c.from.display(),
                            c.to.display()
                        )
                    })
                    .collect();
                format!("gowarden wants to point {}.", each.join(", and "))
            }
            AdminRequest::Undo { id } => {
                format!("gowarden wants to undo its administrator repair {id}.")
            }
        }
    }
}

impl LinkChange {
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
        }
        Ok(())
    }
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
    fn an_undo_names_one_repair_id() {
        assert_eq!(
            AdminRequest::undo("20261204-175501-3fa2").unwrap().args(),
            ["admin", "undo", "20261204-175501-3fa2"].map(OsString::from)
        );
        for bad in ["", "-x", "../x", "a b", "$(id)", &"x".repeat(65)] {
            assert!(AdminRequest::undo(bad).is_err(), "{bad:?}");
        }
    }
}
