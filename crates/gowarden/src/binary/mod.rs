//! What an executable is, read from its bytes without running it.
//!
//! [`inspect`] opens a path defensively (no blocking on FIFOs, no following into devices),
//! memory-maps it and hands the bytes to [`inspect_bytes`], which sniffs the format and parses
//! only the headers and the few ranges it needs: the Mach-O load commands, the fat slice table,
//! the ELF program/section headers, the Go build info and the code signature's CodeDirectory.
//! A 16 MB `go` binary is a handful of page reads.
//!
//! Layout follows the formats: `fat` splits universal files into slices, `macho` and `elf`
//! describe one slice each, `buildinfo` reads Go's build info from either, `script` handles
//! `#!` files, and `quarantine` the macOS download attribute.

mod buildinfo;
mod elf;
mod fat;
mod macho;
mod quarantine;
mod script;

use std::fs::{self, File, Metadata};
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize, Serializer};

pub use buildinfo::{GoBuild, Module};
pub use quarantine::{QTN_FLAG_USER_APPROVED, Quarantine, clear_tree_command, is_user_approved};
pub use script::Shebang;

use crate::platform::{Arch, Os};

/// The container format of a file, as far as gowarden cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A thin Mach-O file: one architecture.
    Macho,
    /// A universal (fat) Mach-O file: several slices, 32- or 64-bit slice table.
    Fat,
    /// An ELF file.
    Elf,
    /// A `#!` script (version-manager shims are scripts).
    Script,
    /// Anything else: text, data, a Java class file, an empty file.
    Unknown,
}

/// How a Mach-O slice is code-signed (FACTS.md §4.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Signature {
    /// No `LC_CODE_SIGNATURE`: an arm64 Mac kills such a binary at exec.
    None,
    /// Ad hoc (`CS_ADHOC`): what Go's linker and `codesign -s -` produce; enough to run.
    Adhoc,
    /// A CodeDirectory without the ad hoc flag: signed with an identity.
    Signed,
    /// `LC_CODE_SIGNATURE` is present but the blob it points at is unreadable or damaged.
    Invalid,
}

/// One architecture's worth of a file.
#[derive(Debug, Clone, Serialize)]
pub struct Slice {
    /// Target OS, Go's name.
    pub os: Os,
    /// Target architecture, Go's name (`arm64e` kept apart from `arm64`).
    pub arch: Arch,
    /// Go build info, or `None` when the slice is not a Go program or carries none.
    pub go: Option<GoBuild>,
    /// Mach-O code signature; `None` for ELF.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<Signature>,
    /// Minimum OS version from `LC_BUILD_VERSION` / `LC_VERSION_MIN_MACOSX` (Mach-O only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_os: Option<String>,
    /// What kind of image: `executable`, `dylib`, `bundle`, `object`, `shared-object`, ...
    pub kind: &'static str,
    /// Where the slice starts in the file (0 for thin files).
    pub offset: u64,
    /// Slice length in bytes.
    pub size: u64,
}

/// What [`inspect_bytes`] finds in a buffer.
#[derive(Debug, Clone)]
pub struct Contents {
    /// The sniffed format.
    pub format: Format,
    /// Architectures found; empty for scripts and unknown files.
    pub slices: Vec<Slice>,
    /// The `#!` line, for scripts.
    pub shebang: Option<Shebang>,
    /// What could not be read, when the format was recognised but the file is damaged.
    /// Slices that parsed are kept.
    pub problem: Option<String>,
}

/// Why a file could not be inspected. Each message names the path and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Opening or reading failed.
    #[error("cannot read {}: {source}{}", path.display(), io_hint(source))]
    Io {
        /// The path as given.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// macOS privacy protection (TCC) refused the read: the file is in a protected folder
    /// (Downloads, Documents, Desktop, iCloud Drive, a removable or network volume) and the
    /// app running gowarden has not been allowed there.
    #[error(
        "cannot read {}: macOS privacy protection keeps the app running gowarden out of {folder} ({source}), so this is not about file permissions; allow that terminal or app in System Settings › Privacy & Security › Full Disk Access (or Files and Folders), or move the Go installation out of {folder}",
        path.display()
    )]
    PrivacyDenied {
        /// The path as given.
        path: PathBuf,
        /// The protected folder, in words (`your Downloads folder`).
        folder: &'static str,
        /// The OS error (EPERM, "Operation not permitted").
        source: io::Error,
    },
    /// The path is a symlink whose target does not exist.
    #[error("{} is a symlink to {}, which does not exist; remove the link or reinstall what it pointed to", path.display(), target.display())]
    Dangling {
        /// The link.
        path: PathBuf,
        /// What it points to, as written in the link.
        target: PathBuf,
    },
    /// The path resolves to something that is not a regular file.
    #[error("{} is a {kind}, not an executable file", path.display())]
    NotAFile {
        /// The path as given.
        path: PathBuf,
        /// `directory`, `FIFO`, `socket`, `character device`, `block device`.
        kind: &'static str,
    },
    /// The format was recognised but the bytes are damaged.
    #[error("{} is a damaged {format} file: {detail}; reinstall it from a good copy", path.display())]
    Malformed {
        /// The path as given.
        path: PathBuf,
        /// The recognised format, in words.
        format: &'static str,
        /// What is wrong, with offsets and sizes.
        detail: String,
    },
    /// A zero-length file.
    #[error("{} is empty (0 bytes); an interrupted install or download leaves such files, reinstall it", path.display())]
    Empty {
        /// The path as given.
        path: PathBuf,
    },
}

/// The protected folder a failed read ran into, when macOS privacy protection (TCC) is the
/// reason: TCC answers `EPERM` ("Operation not permitted"), where file permissions answer
/// `EACCES`, for a path in the user's Desktop, Documents or Downloads, iCloud Drive, or under
/// `/Volumes` (removable and network volumes). `paths` are the path as given and what it
/// resolves to, when known; `home` is the user's home.
pub fn privacy_denial(
    errno: Option<i32>,
    paths: &[&Path],
    home: Option<&Path>,
    os: &Os,
) -> Option<&'static str> {
    if *os != Os::Darwin || errno != Some(libc::EPERM) {
        return None;
    }
    const IN_HOME: &[(&str, &str)] = &[
        ("Desktop", "your Desktop folder"),
        ("Documents", "your Documents folder"),
        ("Downloads", "your Downloads folder"),
        ("Library/Mobile Documents", "iCloud Drive"),
    ];
    paths.iter().find_map(|p| {
        let in_home = home.and_then(|h| {
            let rel = p.strip_prefix(h).ok()?;
            IN_HOME
                .iter()
                .find(|(dir, _)| rel.starts_with(dir))
                .map(|(_, words)| *words)
        });
        in_home.or_else(|| {
            p.strip_prefix("/Volumes")
                .is_ok_and(|r| r.components().next().is_some())
                .then_some("a removable or network volume")
        })
    })
}

/// [`Error::Io`], or [`Error::PrivacyDenied`] when macOS privacy protection is the reason.
fn read_error(path: &Path, source: io::Error) -> Error {
    let os = crate::context::Host::current().os;
    if os == Os::Darwin && source.raw_os_error() == Some(libc::EPERM) {
        let resolved = fs::canonicalize(path).ok().or_else(|| {
            let target = fs::read_link(path).ok()?;
            Some(path.parent().map_or(target.clone(), |d| d.join(&target)))
        });
        let mut paths = vec![path];
        paths.extend(resolved.as_deref());
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(folder) = privacy_denial(source.raw_os_error(), &paths, home.as_deref(), &os) {
            return Error::PrivacyDenied {
                path: path.to_path_buf(),
                folder,
                source,
            };
        }
    }
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn io_hint(err: &io::Error) -> &'static str {
    match err.kind() {
        io::ErrorKind::PermissionDenied => {
            "; check its permissions, or run as a user who can read it"
        }
        io::ErrorKind::NotFound => "; check the path",
        _ if err.raw_os_error() == Some(libc::ELOOP) => {
            "; the symlinks form a loop, fix or remove one of them"
        }
        _ => "",
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The full report on one file: the `gowarden inspect --json` contract.
#[derive(Debug, Serialize)]
pub struct Inspection {
    /// The path as given (not resolved), lossily printed when it is not UTF-8.
    #[serde(serialize_with = "crate::serde_path")]
    pub path: PathBuf,
    /// The sniffed format (`unknown` when the file could not be opened).
    pub format: Format,
    /// One entry per architecture.
    pub slices: Vec<Slice>,
    /// Signature of the slice an Apple Silicon Mac runs (the `arm64` one, else the first).
    pub signature: Option<Signature>,
    /// Minimum macOS of that same slice.
    pub min_os: Option<String>,
    /// For scripts, the interpreter program from the `#!` line.
    pub interpreter: Option<String>,
    /// For scripts, the rest of the `#!` line (`bash` in `#!/usr/bin/env bash`).
    pub interpreter_args: Option<String>,
    /// The `com.apple.quarantine` attribute of the file (its symlink target), macOS only.
    pub quarantine: Option<Quarantine>,
    /// File size in bytes, when it could be read.
    pub size: Option<u64>,
    /// Why the file could not be (fully) inspected.
    pub error: Option<Error>,
}

impl Inspection {
    fn failed(path: &Path, error: Error) -> Inspection {
        Inspection {
            path: path.to_path_buf(),
            format: Format::Unknown,
            slices: Vec::new(),
            signature: None,
            min_os: None,
            interpreter: None,
            interpreter_args: None,
            quarantine: None,
            size: None,
            error: Some(error),
        }
    }

    /// The slice an Apple Silicon Mac would run: `arm64` when present, else the first.
    pub fn primary_slice(&self) -> Option<&Slice> {
        self.slices
            .iter()
            .find(|s| s.arch == Arch::Arm64)
            .or_else(|| self.slices.first())
    }

    /// The Go build info of the primary slice.
    pub fn go(&self) -> Option<&GoBuild> {
        self.primary_slice().and_then(|s| s.go.as_ref())
    }
}

/// Inspections shared within one scan, by file identity: the active `go` is usually also an
/// installation's `bin/go` and a Homebrew prefix's `go`, and each is read once.
#[derive(Debug, Default)]
pub struct Inspector {
    seen: std::collections::HashMap<(u64, u64), std::rc::Rc<Inspection>>,
}

impl Inspector {
    /// [`inspect`], or the earlier report on the same file (its `path` is the first one asked).
    pub fn inspect(&mut self, path: &Path) -> std::rc::Rc<Inspection> {
        let id = crate::path::file_id(path);
        if let Some(hit) = id.and_then(|id| self.seen.get(&id)) {
            return hit.clone();
        }
        let report = std::rc::Rc::new(inspect(path));
        if let (Some(id), None) = (id, &report.error) {
            self.seen.insert(id, report.clone());
        }
        report
    }
}

/// Inspects the file at `path` (following symlinks). Never panics on file contents and never
/// blocks: the outcome, including any failure, is in the returned report.
pub fn inspect(path: &Path) -> Inspection {
    let (file, meta) = match open_regular(path) {
        Ok(opened) => opened,
        Err(err) => return Inspection::failed(path, err),
    };
    let quarantine = quarantine::read(&file);
    let mut report = if meta.len() == 0 {
        Inspection::failed(
            path,
            Error::Empty {
                path: path.to_path_buf(),
            },
        )
    } else {
        // SAFETY: the map is read-only and private to this call; every byte is treated as
        // untrusted input. Another process truncating the file while it is mapped could raise
        // SIGBUS, a risk shared by every mmap-based reader (ripgrep's note applies); installers
        // replace toolchains by rename, which leaves this mapping intact.
        match unsafe { memmap2::Mmap::map(&file) } {
            Ok(map) => from_contents(path, inspect_bytes(&map)),
            Err(source) => Inspection::failed(
                path,
                Error::Io {
                    path: path.to_path_buf(),
                    source,
                },
            ),
        }
    };
    report.size = Some(meta.len());
    report.quarantine = quarantine;
    report
}

fn from_contents(path: &Path, contents: Contents) -> Inspection {
    let mut report = Inspection::failed(path, Error::Empty { path: path.into() });
    report.error = contents.problem.map(|detail| Error::Malformed {
        path: path.to_path_buf(),
        format: match contents.format {
            Format::Macho => "Mach-O",
            Format::Fat => "universal Mach-O",
            Format::Elf => "ELF",
            Format::Script => "script",
            Format::Unknown => "unknown",
        },
        detail,
    });
    report.format = contents.format;
    report.slices = contents.slices;
    if let Some((signature, min_os)) = report
        .primary_slice()
        .map(|p| (p.signature, p.min_os.clone()))
    {
        report.signature = signature;
        report.min_os = min_os;
    }
    if let Some(shebang) = contents.shebang {
        report.interpreter = Some(shebang.interpreter);
        report.interpreter_args = shebang.args;
    }
    report
}

/// Opens `path` for reading only if it resolves to a regular file, without blocking on FIFOs
/// or touching devices, and with a message for each way that can fail.
fn open_regular(path: &Path) -> Result<(File, Metadata), Error> {
    let io_err = |source| read_error(path, source);
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // A dangling symlink says more than "not found".
            if let Ok(target) = fs::read_link(path) {
                return Err(Error::Dangling {
                    path: path.to_path_buf(),
                    target,
                });
            }
            return Err(io_err(e));
        }
        Err(e) => return Err(io_err(e)),
    };
    check_regular(path, &meta)?;
    let file = open_nonblocking(path).map_err(io_err)?;
    // The path may have been swapped for a FIFO between the two looks; trust the open file.
    let meta = file.metadata().map_err(io_err)?;
    check_regular(path, &meta)?;
    Ok((file, meta))
}

fn check_regular(path: &Path, meta: &Metadata) -> Result<(), Error> {
    if meta.is_file() {
        return Ok(());
    }
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        "directory"
    } else {
        special_kind(&ft)
    };
    Err(Error::NotAFile {
        path: path.to_path_buf(),
        kind,
    })
}

#[cfg(unix)]
fn special_kind(ft: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_char_device() {
        "character device"
    } else if ft.is_block_device() {
        "block device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn special_kind(_: &fs::FileType) -> &'static str {
    "special file"
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> io::Result<File> {
    File::open(path)
}

/// The largest slice count a universal file may claim. A Java class file also starts with
/// 0xcafebabe, followed by its version (major ≥ 45), so counts from 45 up are not fat files.
const MAX_FAT_SLICES: u32 = 44;

/// Sniffs and parses `data`. Total: any input yields a result, never a panic.
pub fn inspect_bytes(data: &[u8]) -> Contents {
    let mut contents = Contents {
        format: Format::Unknown,
        slices: Vec::new(),
        shebang: None,
        problem: None,
    };
    let magic_be = data
        .get(..4)
        .map(|m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
    if data.starts_with(b"#!") {
        contents.format = Format::Script;
        match script::parse(data) {
            Ok(shebang) => contents.shebang = Some(shebang),
            Err(problem) => contents.problem = Some(problem),
        }
    } else if data.starts_with(b"\x7fELF") {
        contents.format = Format::Elf;
        match elf::parse(data) {
            Ok(slice) => contents.slices.push(slice),
            Err(problem) => contents.problem = Some(problem),
        }
    } else if matches!(
        magic_be,
        Some(0xfeed_face | 0xfeed_facf | 0xcefa_edfe | 0xcffa_edfe)
    ) {
        contents.format = Format::Macho;
        match macho::parse(data, 0) {
            Ok(slice) => contents.slices.push(slice),
            Err(problem) => contents.problem = Some(problem),
        }
    } else if let Some(magic @ (fat::FAT_MAGIC | fat::FAT_MAGIC_64)) = magic_be {
        let count = data
            .get(4..8)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]));
        if magic == fat::FAT_MAGIC && count.is_some_and(|n| n > MAX_FAT_SLICES) {
            // A Java class file, or noise: not something gowarden reads.
            return contents;
        }
        contents.format = Format::Fat;
        let (slices, problems) = fat::parse(data);
        contents.slices = slices;
        if !problems.is_empty() {
            contents.problem = Some(problems.join("; "));
        }
    }
    contents
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eperm_in_a_protected_folder_is_macos_privacy_not_permissions() {
        let home = Some(Path::new("/Users/me"));
        let mac = Os::Darwin;
        let go = Path::new("/Users/me/Downloads/go/bin/go");
        assert_eq!(
            privacy_denial(Some(libc::EPERM), &[go], home, &mac),
            Some("your Downloads folder")
        );
        assert_eq!(
            privacy_denial(
                Some(libc::EPERM),
                &[Path::new("/Users/me/Documents/sdk/go1.23.2/bin/go")],
                home,
                &mac
            ),
            Some("your Documents folder")
        );
        // ~/go/bin/go -> ~/Desktop/go/bin/go: the resolved path is the protected one.
        assert_eq!(
            privacy_denial(
                Some(libc::EPERM),
                &[
                    Path::new("/Users/me/go/bin/go"),
                    Path::new("/Users/me/Desktop/go/bin/go")
                ],
                home,
                &mac
            ),
            Some("your Desktop folder")
        );
        assert_eq!(
            privacy_denial(
                Some(libc::EPERM),
                &[Path::new("/Volumes/USB/go/bin/go")],
                None,
                &mac
            ),
            Some("a removable or network volume")
        );
        // Ordinary permissions (EACCES), another folder, or Linux: not privacy protection.
        assert_eq!(privacy_denial(Some(libc::EACCES), &[go], home, &mac), None);
        assert_eq!(
            privacy_denial(
                Some(libc::EPERM),
                &[Path::new("/Users/me/sdk/go/bin/go")],
                home,
                &mac
            ),
            None
        );
        assert_eq!(
            privacy_denial(
                Some(libc::EPERM),
                &[Path::new("/Users/me/Downloadsx/go")],
                home,
                &mac
            ),
            None,
            "a folder merely starting with the name"
        );
        assert_eq!(
            privacy_denial(Some(libc::EPERM), &[go], home, &Os::Linux),
            None
        );
    }

    #[test]
    fn privacy_message_names_the_settings_not_permissions() {
        let e = Error::PrivacyDenied {
            path: "/Users/me/Downloads/go/bin/go".into(),
            folder: "your Downloads folder",
            source: io::Error::from_raw_os_error(libc::EPERM),
        };
        let msg = e.to_string();
        assert!(
            msg.contains("Full Disk Access")
                && msg.contains("Files and Folders")
                && msg.contains("your Downloads folder")
                && !msg.contains("check its permissions"),
            "{msg}"
        );
    }

    #[test]
    fn sniffs_without_parsing_garbage_as_something() {
        assert_eq!(inspect_bytes(b"").format, Format::Unknown);
        assert_eq!(inspect_bytes(b"hello world").format, Format::Unknown);
        assert_eq!(inspect_bytes(b"#!/bin/sh\n").format, Format::Script);
        assert_eq!(inspect_bytes(b"\x7fELF").format, Format::Elf);
        assert!(inspect_bytes(b"\x7fELF").problem.is_some());
        assert_eq!(inspect_bytes(b"\xcf\xfa\xed\xfe").format, Format::Macho);
        assert!(inspect_bytes(b"\xcf\xfa\xed\xfe").problem.is_some());
    }

    #[test]
    fn java_class_file_is_not_fat() {
        // magic, minor 0, major 65 (Java 21)
        let class = b"\xca\xfe\xba\xbe\x00\x00\x00\x41rest-of-class";
        let c = inspect_bytes(class);
        assert_eq!(c.format, Format::Unknown);
        assert!(c.problem.is_none());
    }
}
