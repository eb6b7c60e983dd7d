//! The copies of startup files a repair keeps (`saved/<sha256>` in the data directory): both
//! versions, before anything changes, for the undo and a rollback.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::PathBuf;

use super::fsops::{self, FsError};
use super::{RepairError, Repairs, io_err};

impl Repairs {
    pub(super) fn saved_path(&self, sha: &str) -> PathBuf {
        self.data_dir.join("saved").join(sha)
    }

    /// A saved file's content, if it is there and intact.
    pub(super) fn saved(&self, sha: &str) -> Option<Vec<u8>> {
        fsops::read_nofollow(&self.saved_path(sha))
            .ok()
            .filter(|b| fsops::sha256(b) == sha)
    }

    /// Keeps `bytes` in `saved/<sha256>`, durably.
    pub(super) fn save(&self, bytes: &[u8]) -> Result<(), RepairError> {
        let sha = fsops::sha256(bytes);
        if self.saved(&sha).is_some() {
            return Ok(());
        }
        let dir = self.data_dir.join("saved");
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(io_err("create", &dir))?;
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Err(RepairError::Io {
                op: "keep a copy in",
                path: dir,
                source: io::Error::other("it is not a directory (a symlink?)"),
            });
        }
        let path = self.saved_path(&sha);
        let temp = dir.join(format!(".{sha}.{}.tmp", std::process::id()));
        let fail = |e: FsError| match e {
            FsError::Io { op, path, source } => RepairError::Io { op, path, source },
            FsError::Changed { path, .. } => RepairError::Io {
                op: "save",
                path,
                source: io::ErrorKind::AlreadyExists.into(),
            },
        };
        fsops::remove_if_present(&temp).map_err(fail)?;
        fsops::write_new(&temp, bytes, None).map_err(fail)?;
        fs::rename(&temp, &path).map_err(io_err("save", &path))?;
        fsops::sync_parent(&path).map_err(fail)
    }
}
