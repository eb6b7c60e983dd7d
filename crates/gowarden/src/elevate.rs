//! Running a repair or undo as an administrator, for links under `/usr/local` or
//! `/opt/homebrew` that belong to root or another user.
//!
//! The unprivileged side writes a request file (the plan, plus the environment and data
//! directory it was made with) and asks for `gowarden repair --apply <file>` (or `undo
//! --apply`) to run elevated: `sudo` typed by the user, `osascript ... with administrator
//! privileges` on macOS, `pkexec` on Linux. The elevated side trusts nothing in the file but who
//! wrote it: [`read_request`] checks it belongs to the user who asked and nobody else can write
//! it, and the repair itself re-plans from a fresh scan and refuses unless it comes out the
//! same.
//!
//! Commands are built without a shell where there is a choice (`pkexec` takes argv). Where a
//! shell string is unavoidable (`do shell script`), every word is encoded by [`sh_word`] into
//! printable ASCII that `sh` turns back into exactly the original bytes: spaces, quotes, `$`,
//! backslashes, newlines and non-UTF-8 bytes included.

use std::ffi::{OsStr, OsString};
use std::fs::{self, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::context::{Context, Host};
use crate::doctor::{self, EnvChoice};
use crate::journal;
use crate::process::{self, Output, SpawnError};
use crate::repair::record::{raw_path, rfc3339};
use crate::repair::{Plan, RepairError, Repairs};
use crate::shell;

/// The request file format's version.
pub const REQUEST_VERSION: u32 = 1;

/// The largest request file read.
const MAX_REQUEST: u64 = 4 << 20;

/// What an elevated run is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Task {
    /// Carry out this plan (after re-planning from a fresh scan).
    Repair {
        /// The plan the user approved.
        plan: Plan,
    },
    /// Undo a repair.
    Undo {
        /// The repair (`None`: the newest not yet undone).
        id: Option<String>,
        /// Restore even if a path changed since.
        force: bool,
    },
}

impl Task {
    /// The `gowarden` subcommand that carries it out.
    pub fn subcommand(&self) -> &'static str {
        match self {
            Task::Repair { .. } => "repair",
            Task::Undo { .. } => "undo",
        }
    }
}

/// One environment variable, byte-exact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Var {
    /// Its name.
    #[serde(with = "raw_path")]
    pub name: PathBuf,
    /// Its value.
    #[serde(with = "raw_path")]
    pub value: PathBuf,
}

/// A request file: the task, and the machine as the user who asked sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// [`REQUEST_VERSION`].
    pub gowarden_request: u32,
    /// When it was written.
    pub created_at: String,
    /// Who asked: the file must belong to this user.
    pub uid: u32,
    /// Their primary group (files the elevated run creates are given back to uid:gid).
    pub gid: u32,
    /// What to do.
    pub task: Task,
    /// Their data directory (the journal).
    #[serde(with = "raw_path")]
    pub data_dir: PathBuf,
    /// `GOWARDEN_ROOT`, or `/`.
    #[serde(with = "raw_path")]
    pub root: PathBuf,
    /// The host judged for (`darwin/arm64`).
    pub host: String,
    /// The working directory.
    #[serde(with = "raw_path")]
    pub cwd: PathBuf,
    /// The environment the plan was made in (the process's, or the captured login shell's).
    pub env: Vec<Var>,
}

impl Request {
    /// The request for `task` on the machine `repairs` works on.
    pub fn new(repairs: &Repairs, task: Task) -> Request {
        let ctx = repairs.context();
        let vars: Vec<(OsString, OsString)> = match &repairs.options().environment {
            EnvChoice::Captured(c) if c.vars.is_some() => c.vars.clone().unwrap_or_default(),
            _ => ctx.vars().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let vars = vars.into_iter().filter(|(k, _)| scan_reads(k));
        let (uid, gid) = ctx.user();
        Request {
            gowarden_request: REQUEST_VERSION,
            created_at: rfc3339(ctx.now()),
            uid,
            gid,
            task,
            data_dir: repairs.data_dir().to_path_buf(),
            root: ctx.root().to_path_buf(),
            host: ctx.host().name(),
            cwd: ctx.cwd().to_path_buf(),
            env: vars
                .map(|(name, value)| Var {
                    name: name.into(),
                    value: value.into(),
                })
                .collect(),
        }
    }

    /// The machine as the requester saw it. The file is the user's to write, so only the
    /// variables a scan reads are taken from it ([`scan_reads`]: no `GOWARDEN_*` test hook
    /// gets into a run as root), and `home`, from the password database, stands for HOME.
    pub fn context(&self, home: Option<&Path>) -> Result<Context, RequestError> {
        let host: Host = self
            .host
            .parse()
            .map_err(|_| RequestError::Invalid(format!("bad host {:?}", self.host)))?;
        let mut vars: Vec<(OsString, OsString)> = self
            .env
            .iter()
            .filter(|v| scan_reads(v.name.as_os_str()))
            .map(|v| {
                (
                    v.name.clone().into_os_string(),
                    v.value.clone().into_os_string(),
                )
            })
            .collect();
        if let Some(home) = home {
            vars.retain(|(k, _)| k != "HOME");
            vars.push(("HOME".into(), home.into()));
        }
        Ok(Context::new(
            vars,
            self.root.clone(),
            host,
            self.cwd.clone(),
        ))
    }

    /// The repairs it asks for, on the machine as the requester saw it, journaled in the
    /// requester's own data directory: the usual one for their home in the password database,
    /// or the one the request names (their `GOWARDEN_DATA_DIR`), and either way only a real
    /// directory of theirs ([`check_data_dir`]). Everything in it is then read and written with
    /// the requester's ids, never root's.
    pub fn repairs(&self) -> Result<Repairs, RequestError> {
        let account = shell::account(self.uid).ok_or_else(|| RequestError::DataDir {
            dir: self.data_dir.clone(),
            why: format!(
                "uid {} has no entry in the password database, so its home is unknown",
                self.uid
            ),
        })?;
        let ctx = self.context(account.home.as_deref())?;
        let what = if journal::data_dir_for(&ctx).as_deref() == Some(self.data_dir.as_path()) {
            "the data directory"
        } else {
            "the data directory the request names (not the user's usual one)"
        };
        check_data_dir(&self.data_dir, self.uid).map_err(|why| RequestError::DataDir {
            dir: self.data_dir.clone(),
            why: format!("{what} {why}"),
        })?;
        Ok(
            Repairs::with_data_dir(&ctx, doctor::Options::default(), self.data_dir.clone())
                .acting_for(self.uid, self.gid),
        )
    }
}

/// Whether `dir` may hold the journal an elevated run keeps for user `uid`: a directory, not a
/// symlink, of theirs, that nobody else can write; and so is its `saved/` when there is one.
/// `Err` says what is wrong, as the end of a sentence about the directory.
pub fn check_data_dir(dir: &Path, uid: u32) -> Result<(), String> {
    let own = |p: &Path| -> Result<(), String> {
        let m = fs::symlink_metadata(p).map_err(|e| format!("cannot be read ({e})"))?;
        if m.file_type().is_symlink() {
            Err("is a symlink".into())
        } else if !m.is_dir() {
            Err("is not a directory".into())
        } else if m.uid() != uid {
            Err(format!(
                "belongs to uid {}, not to the requester (uid {uid})",
                m.uid()
            ))
        } else if m.mode() & 0o022 != 0 {
            Err(format!(
                "can be written by others (mode {:o})",
                m.mode() & 0o7777
            ))
        } else {
            Ok(())
        }
    };
    own(dir)?;
    let saved = dir.join("saved");
    if fs::symlink_metadata(&saved).is_ok() {
        own(&saved).map_err(|why| format!("holds a saved/ that {why}"))?;
    }
    Ok(())
}

/// Removes a request file once carried out, as its owner (a request is used once).
pub fn remove_request(repairs: &Repairs, file: &Path) -> Result<(), RepairError> {
    let _as = repairs.as_owner()?;
    fs::remove_file(file).map_err(|source| RepairError::Io {
        op: "remove",
        path: file.to_path_buf(),
        source,
    })
}

/// Whether a scan may read the environment variable `name`: only those go into a request file,
/// so it carries no unrelated secrets (tokens, keys) from the user's environment. Missing one
/// could only make the elevated side's plan differ, which it refuses. gowarden's own
/// `GOWARDEN_*` settings never go: the request carries the root, host and data directory in
/// their own fields, which the elevated side checks, and nothing else of gowarden's (a test
/// hook, above all) may be switched on in a run as root.
pub fn scan_reads(name: &OsStr) -> bool {
    let name = name.as_bytes();
    if name.starts_with(b"GOWARDEN_") {
        return false;
    }
    const PREFIXES: &[&[u8]] = &[b"GO", b"CGO_", b"XDG_", b"ASDF_", b"MISE_", b"GVM_"];
    const NAMES: &[&[u8]] = &[
        b"PATH",
        b"HOME",
        b"SHELL",
        b"ZDOTDIR",
        b"DEVELOPER_DIR",
        b"USER",
        b"LOGNAME",
        b"TMPDIR",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// A request file that could not be written, or that the elevated side will not act on.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// Reading or writing it failed.
    #[error("cannot {op} the request file {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// It is not safe to act on: someone other than the requester could have written it.
    #[error("refusing the request file {}: {why}", path.display())]
    Unsafe {
        /// The file.
        path: PathBuf,
        /// Why.
        why: String,
    },
    /// The data directory could not be readied for the elevated run.
    #[error("cannot ready the data directory for an administrator run: {0}")]
    Prepare(Box<crate::repair::RepairError>),
    /// The data directory it names is not one an elevated run may write in.
    #[error(
        "refusing to keep the journal in {} for an administrator run: {why}; it must be a \
         directory of the requesting user's (not a symlink) that only they can write",
        dir.display()
    )]
    DataDir {
        /// The directory.
        dir: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// It does not parse, or is of another version.
    #[error("the request file is not valid: {0}")]
    Invalid(String),
}

/// Everything an elevated run of `task` needs, for the app and the CLI: the journal and lock
/// made to exist as this user's, then the request written. Returns the request and its file;
/// hand both to [`elevated_command`] (or [`sudo_line`]).
pub fn stage(repairs: &Repairs, task: Task) -> Result<(Request, PathBuf), RequestError> {
    repairs
        .prepare()
        .map_err(|e| RequestError::Prepare(Box::new(e)))?;
    let request = Request::new(repairs, task);
    let file = write_request(&request)?;
    Ok((request, file))
}

/// Writes `request` to a new private file under `<data dir>/requests/`, and returns its path.
pub fn write_request(request: &Request) -> Result<PathBuf, RequestError> {
    let dir = request.data_dir.join("requests");
    let io = |op, path: &Path| {
        let path = path.to_path_buf();
        move |source| RequestError::Io { op, path, source }
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .map_err(io("create the directory for", &dir))?;
    let stamp: String = request
        .created_at
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let bytes =
        serde_json::to_vec_pretty(request).map_err(|e| RequestError::Invalid(e.to_string()))?;
    for n in 0..1000u32 {
        let path = dir.join(format!(
            "{}-{stamp}-{}-{n}.json",
            request.task.subcommand(),
            std::process::id()
        ));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path)
        {
            Ok(mut f) => {
                use std::io::Write as _;
                f.write_all(&bytes)
                    .and_then(|()| f.sync_all())
                    .map_err(io("write", &path))?;
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io("create", &path)(e)),
        }
    }
    Err(RequestError::Io {
        op: "create",
        path: dir,
        source: io::ErrorKind::AlreadyExists.into(),
    })
}

/// Who is running the elevated side, and who asked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invoker {
    /// The effective user id now.
    pub euid: u32,
    /// `SUDO_UID`: who ran `sudo`.
    pub sudo_uid: Option<u32>,
    /// `PKEXEC_UID`: who ran `pkexec`.
    pub pkexec_uid: Option<u32>,
}

impl Invoker {
    /// This process.
    pub fn current() -> Invoker {
        let var = |n: &str| std::env::var(n).ok().and_then(|v| v.parse().ok());
        Invoker {
            // SAFETY: geteuid has no preconditions and cannot fail.
            euid: unsafe { libc::geteuid() },
            sudo_uid: var("SUDO_UID"),
            pkexec_uid: var("PKEXEC_UID"),
        }
    }
}

/// The file's owner and mode, its directory's, and the uid the request names: whether the
/// elevated side may act on it. Only the requester may have written it (the directory too),
/// and when `sudo` or `pkexec` says who asked, that must be the requester.
pub fn check_ownership(
    file: (u32, u32),
    dir: (u32, u32),
    requester: u32,
    invoker: Invoker,
) -> Result<(), String> {
    let (file_uid, file_mode) = file;
    let (dir_uid, dir_mode) = dir;
    if file_uid != requester {
        return Err(format!(
            "it belongs to uid {file_uid}, but names uid {requester} as the requester"
        ));
    }
    if invoker.euid != 0 && invoker.euid != file_uid {
        return Err(format!(
            "it belongs to uid {file_uid}, and this is uid {}",
            invoker.euid
        ));
    }
    for (how, uid) in [("sudo", invoker.sudo_uid), ("pkexec", invoker.pkexec_uid)] {
        if let Some(uid) = uid
            && uid != file_uid
        {
            return Err(format!(
                "{how} was run by uid {uid}, but the file belongs to uid {file_uid}"
            ));
        }
    }
    if file_mode & 0o022 != 0 {
        return Err(format!(
            "others can write to it (mode {:o})",
            file_mode & 0o7777
        ));
    }
    let sticky = dir_mode & 0o1000 != 0;
    if dir_uid != file_uid && dir_uid != 0 {
        return Err(format!("its directory belongs to uid {dir_uid}"));
    }
    if dir_mode & 0o022 != 0 && !sticky {
        return Err(format!(
            "others can write to its directory (mode {:o})",
            dir_mode & 0o7777
        ));
    }
    Ok(())
}

/// Reads a request file for the elevated side, refusing one that anybody but its requester
/// could have written, or that is a symlink.
pub fn read_request(path: &Path, invoker: Invoker) -> Result<Request, RequestError> {
    let io = |op| {
        let path = path.to_path_buf();
        move |source| RequestError::Io { op, path, source }
    };
    let unsafe_ = |why: String| RequestError::Unsafe {
        path: path.to_path_buf(),
        why,
    };
    let mut f = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(io("open"))?;
    let meta = f.metadata().map_err(io("read"))?;
    if !meta.is_file() || meta.len() > MAX_REQUEST {
        return Err(unsafe_(
            "it is not a regular file of a sensible size".into(),
        ));
    }
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let dmeta = fs::metadata(dir.unwrap_or(Path::new("."))).map_err(io("read the directory of"))?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes).map_err(io("read"))?;
    let request: Request =
        serde_json::from_slice(&bytes).map_err(|e| RequestError::Invalid(e.to_string()))?;
    if request.gowarden_request != REQUEST_VERSION {
        return Err(RequestError::Invalid(format!(
            "version {} (this gowarden reads {REQUEST_VERSION})",
            request.gowarden_request
        )));
    }
    check_ownership(
        (meta.uid(), meta.mode()),
        (dmeta.uid(), dmeta.mode()),
        request.uid,
        invoker,
    )
    .map_err(unsafe_)?;
    Ok(request)
}

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

/// A program and its arguments, run without a shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElevatedCommand {
    /// The program.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<OsString>,
}

/// The arguments that carry out a request file: `<exe> <repair|undo> --apply <file> --json`.
fn apply_argv(exe: &Path, task: &Task, request: &Path) -> Vec<OsString> {
    vec![
        exe.into(),
        task.subcommand().into(),
        "--apply".into(),
        request.into(),
        "--json".into(),
    ]
}

/// The command a user types: `sudo <exe> repair --apply <file>`.
pub fn sudo_line(exe: &Path, task: &Task, request: &Path) -> String {
    let mut argv = apply_argv(exe, task, request);
    argv.pop(); // a person reads the text output
    format!("sudo {}", sh_command(&argv))
}

/// macOS: `osascript -e 'do shell script "..." with administrator privileges'`, which shows
/// the system's administrator prompt and runs the command as root.
pub fn osascript_command(exe: &Path, task: &Task, request: &Path) -> ElevatedCommand {
    let script = format!(
        "do shell script {} with administrator privileges",
        applescript_string(&sh_command(&apply_argv(exe, task, request)))
    );
    ElevatedCommand {
        program: "/usr/bin/osascript".into(),
        args: vec!["-e".into(), script.into()],
    }
}

/// Linux: `pkexec <exe> ...`, argv as it is (pkexec asks polkit's agent for the password).
pub fn pkexec_command(pkexec: &Path, exe: &Path, task: &Task, request: &Path) -> ElevatedCommand {
    ElevatedCommand {
        program: pkexec.to_path_buf(),
        args: apply_argv(exe, task, request),
    }
}

/// How this system runs a request elevated: osascript on macOS, pkexec on Linux when it is
/// installed; `None` otherwise (print [`sudo_line`] instead).
pub fn elevated_command(exe: &Path, task: &Task, request: &Path) -> Option<ElevatedCommand> {
    if cfg!(target_os = "macos") {
        return Some(osascript_command(exe, task, request));
    }
    ["/usr/bin/pkexec", "/bin/pkexec", "/usr/local/bin/pkexec"]
        .iter()
        .map(Path::new)
        .find(|p| p.is_file())
        .map(|p| pkexec_command(p, exe, task, request))
}

/// Runs an elevated command (the user has up to `timeout` to answer the prompt) with a
/// minimal environment: the request file carries the one the plan was made in.
pub fn run(cmd: &ElevatedCommand, timeout: Duration) -> Result<Output, SpawnError> {
    let args: Vec<&OsStr> = cmd.args.iter().map(OsString::as_os_str).collect();
    let mut env: Vec<(OsString, OsString)> =
        vec![("PATH".into(), "/usr/bin:/bin:/usr/sbin:/sbin".into())];
    for keep in [
        "DISPLAY",
        "WAYLAND_DISPLAY",
        "XAUTHORITY",
        "DBUS_SESSION_BUS_ADDRESS",
        "LANG",
    ] {
        if let Some(v) = std::env::var_os(keep) {
            env.push((keep.into(), v));
        }
    }
    process::run(&cmd.program, &args, env, timeout)
}

#[cfg(test)]
mod tests {
    use std::os::unix::ffi::OsStringExt;

    use super::*;

    /// Words that break naive quoting.
    fn nasty() -> Vec<Vec<u8>> {
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
    fn through_sh(command: &str) -> Vec<Vec<u8>> {
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
    fn unescape_applescript(lit: &str) -> String {
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
    fn osascript_gets_one_argument_that_applescript_and_sh_turn_back_into_the_argv() {
        let words = nasty();
        let exe = PathBuf::from(std::ffi::OsString::from_vec(words[10].clone()));
        let request = PathBuf::from(std::ffi::OsString::from_vec(
            b"/tmp/it's a \"plan\" $x \\ \n\xff.json".to_vec(),
        ));
        let task = Task::Undo {
            id: None,
            force: false,
        };
        let cmd = osascript_command(&exe, &task, &request);
        assert_eq!(cmd.program, Path::new("/usr/bin/osascript"));
        assert_eq!(cmd.args.len(), 2, "-e and the script: no shell in between");
        let script = cmd.args[1].to_str().expect("the script is text");
        let lit = script
            .strip_prefix("do shell script ")
            .unwrap()
            .strip_suffix(" with administrator privileges")
            .unwrap();
        let command = unescape_applescript(lit);
        let expected: Vec<Vec<u8>> = apply_argv(&exe, &task, &request)
            .into_iter()
            .map(OsString::into_vec)
            .collect();
        assert_eq!(through_sh(&command), expected);
    }

    #[test]
    fn requests_carry_only_what_a_scan_reads() {
        for keep in [
            "PATH",
            "HOME",
            "GOROOT",
            "GOENV_ROOT",
            "CGO_ENABLED",
            "XDG_DATA_HOME",
            "ASDF_DATA_DIR",
        ] {
            assert!(scan_reads(OsStr::new(keep)), "{keep}");
        }
        for drop in [
            "GITHUB_TOKEN",
            "AWS_SECRET_ACCESS_KEY",
            "SSH_AUTH_SOCK",
            "PATHX",
            "HOMEBREW_GITHUB_API_TOKEN",
            "GOWARDEN_TEST_PAUSE_AT",
            "GOWARDEN_TEST_PAUSE_DIR",
            "GOWARDEN_DATA_DIR",
            "GOWARDEN_ROOT",
        ] {
            assert!(!scan_reads(OsStr::new(drop)), "{drop}");
        }
    }

    #[test]
    fn a_request_cannot_switch_on_gowardens_own_settings_or_choose_home() {
        let var = |n: &str, v: &str| Var {
            name: n.into(),
            value: v.into(),
        };
        let request = Request {
            gowarden_request: REQUEST_VERSION,
            created_at: String::new(),
            uid: 501,
            gid: 20,
            task: Task::Undo {
                id: None,
                force: false,
            },
            data_dir: "/d".into(),
            root: "/".into(),
            host: "darwin/arm64".into(),
            cwd: "/".into(),
            env: vec![
                var("GOWARDEN_TEST_PAUSE_AT", "swapped"),
                var("GOWARDEN_TEST_PAUSE_DIR", "/etc"),
                var("GOWARDEN_DATA_DIR", "/etc"),
                var("HOME", "/var/root"),
                var("GOROOT", "/usr/local/go"),
            ],
        };
        let ctx = request.context(Some(Path::new("/Users/me"))).unwrap();
        assert_eq!(ctx.var("GOWARDEN_TEST_PAUSE_AT"), None);
        assert_eq!(ctx.var("GOWARDEN_TEST_PAUSE_DIR"), None);
        assert_eq!(ctx.var("GOWARDEN_DATA_DIR"), None);
        assert_eq!(ctx.var("HOME"), Some(OsStr::new("/Users/me")));
        assert_eq!(ctx.var("GOROOT"), Some(OsStr::new("/usr/local/go")));
    }

    #[test]
    fn only_a_real_directory_of_the_requesters_holds_their_journal() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let me = fs::metadata(d.path()).unwrap().uid();
        let data = d.path().join("data");
        fs::create_dir(&data).unwrap();
        fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(check_data_dir(&data, me), Ok(()));
        let e = check_data_dir(&data, me + 1).unwrap_err();
        assert!(e.contains(&format!("belongs to uid {me}")), "{e}");

        let link = d.path().join("link");
        std::os::unix::fs::symlink(&data, &link).unwrap();
        assert_eq!(check_data_dir(&link, me), Err("is a symlink".into()));

        let elsewhere = d.path().join("elsewhere");
        fs::create_dir(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, data.join("saved")).unwrap();
        assert_eq!(
            check_data_dir(&data, me),
            Err("holds a saved/ that is a symlink".into())
        );
        fs::remove_file(data.join("saved")).unwrap();

        fs::set_permissions(&data, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(
            check_data_dir(&data, me)
                .unwrap_err()
                .contains("written by others")
        );
        assert!(check_data_dir(&d.path().join("none"), me).is_err());
    }

    #[test]
    fn pkexec_and_sudo() {
        let task = Task::Undo {
            id: Some("x".into()),
            force: true,
        };
        let exe = Path::new("/opt/my tools/gowarden");
        let req = Path::new("/home/me/.local/share/gowarden/requests/undo-1.json");
        let cmd = pkexec_command(Path::new("/usr/bin/pkexec"), exe, &task, req);
        assert_eq!(
            cmd.args,
            [
                OsStr::new("/opt/my tools/gowarden"),
                OsStr::new("undo"),
                OsStr::new("--apply"),
                req.as_os_str(),
                OsStr::new("--json")
            ]
        );
        assert_eq!(
            sudo_line(exe, &task, req),
            "sudo '/opt/my tools/gowarden' undo --apply /home/me/.local/share/gowarden/requests/undo-1.json"
        );
    }

    #[test]
    fn only_the_requester_may_have_written_the_request() {
        let user = Invoker {
            euid: 501,
            sudo_uid: None,
            pkexec_uid: None,
        };
        let root_for = |uid| Invoker {
            euid: 0,
            sudo_uid: Some(uid),
            pkexec_uid: None,
        };
        let osascript = Invoker {
            euid: 0,
            sudo_uid: None,
            pkexec_uid: None,
        };
        let dir = (501, 0o40700);
        assert!(check_ownership((501, 0o100600), dir, 501, user).is_ok());
        assert!(check_ownership((501, 0o100644), dir, 501, root_for(501)).is_ok());
        assert!(check_ownership((501, 0o100600), dir, 501, osascript).is_ok());
        let refused =
            |file, dir, requester, inv| check_ownership(file, dir, requester, inv).unwrap_err();
        assert!(refused((502, 0o100600), dir, 501, root_for(501)).contains("belongs to uid 502"));
        assert!(
            refused((501, 0o100600), dir, 501, root_for(502)).contains("sudo was run by uid 502")
        );
        assert!(refused((501, 0o100620), dir, 501, user).contains("others can write to it"));
        assert!(refused((501, 0o100666), dir, 501, osascript).contains("others can write"));
        assert!(refused((501, 0o100600), (503, 0o40700), 501, osascript).contains("directory"));
        assert!(refused((501, 0o100600), (0, 0o40777), 501, osascript).contains("directory"));
        assert!(
            check_ownership((501, 0o100600), (0, 0o41777), 501, osascript).is_ok(),
            "sticky /tmp"
        );
        let other_user = Invoker {
            euid: 502,
            sudo_uid: None,
            pkexec_uid: None,
        };
        assert!(refused((501, 0o100600), dir, 501, other_user).contains("this is uid 502"));
        let pk = Invoker {
            euid: 0,
            sudo_uid: None,
            pkexec_uid: Some(7),
        };
        assert!(refused((501, 0o100600), dir, 501, pk).contains("pkexec"));
    }
}
