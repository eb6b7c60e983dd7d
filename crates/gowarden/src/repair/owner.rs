//! An elevated helper (root) works for one user: it changes links as root, but everything in
//! that user's data directory (the lock, the journal, saved files, the request file) it reads
//! and writes as the user, with the user's effective ids. The kernel then checks every path
//! component with the user's rights, so a data directory, `saved/` or journal that the user
//! swapped for a symlink (to `/etc`, say) leads only where the user could write anyway, and
//! what is created there belongs to the user without any `chown` afterwards.

use std::io;

/// The user an elevated helper works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Owner {
    /// Their user id.
    pub(crate) uid: u32,
    /// Their primary group id.
    pub(crate) gid: u32,
}

/// While alive, this process's effective ids are the owner's; dropping it goes back to root.
#[must_use = "the user's ids last only as long as this guard"]
pub(crate) struct AsOwner {
    /// Root's effective group and supplementary groups, to restore.
    restore: Option<(libc::gid_t, Vec<libc::gid_t>)>,
}

impl Owner {
    /// Takes on the owner's ids, when this process is root and the owner is not. Otherwise (the
    /// user running a request of their own, the app) it does nothing, and nested calls are
    /// no-ops too. Process-wide: only the single-threaded CLI ever runs as root.
    pub(crate) fn assume(self) -> io::Result<AsOwner> {
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } != 0 || self.uid == 0 {
            return Ok(AsOwner { restore: None });
        }
        // SAFETY: getegid has no preconditions and cannot fail.
        let egid = unsafe { libc::getegid() };
        // Dropped on an early return below, which restores whatever was changed.
        let guard = AsOwner {
            restore: Some((egid, groups()?)),
        };
        let gid: libc::gid_t = self.gid;
        // SAFETY: one valid gid_t, read during the call. Only root may set groups, so the
        // groups go first and the user id last.
        check(unsafe { libc::setgroups(1, &gid) })?;
        // SAFETY: plain syscalls on integers.
        check(unsafe { libc::setegid(gid) })?;
        // SAFETY: as above; the saved set-user-id stays 0, so root can come back.
        check(unsafe { libc::seteuid(self.uid) })?;
        Ok(guard)
    }
}

impl Drop for AsOwner {
    fn drop(&mut self) {
        if let Some((egid, groups)) = self.restore.take() {
            // Root first: only root may set the groups back. If this fails the process keeps
            // the user's rights, which can only make later steps fail, never do more.
            // SAFETY: plain syscalls; `groups` is valid for its length during the call.
            unsafe {
                libc::seteuid(0);
                libc::setegid(egid);
                libc::setgroups(groups.len() as _, groups.as_ptr());
            }
        }
    }
}

/// This process's supplementary groups.
fn groups() -> io::Result<Vec<libc::gid_t>> {
    // SAFETY: a zero count asks only for the number; the pointer is not used.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    check(n)?;
    let mut groups: Vec<libc::gid_t> = vec![0; n as usize + 1];
    // SAFETY: `groups` has room for the count passed.
    let got = unsafe { libc::getgroups(groups.len() as _, groups.as_mut_ptr()) };
    check(got)?;
    groups.truncate(got as usize);
    Ok(groups)
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_process_keeps_its_ids() {
        // SAFETY: getuid has no preconditions and cannot fail.
        let uid = unsafe { libc::getuid() };
        let me = Owner { uid, gid: 0 };
        let g = me.assume().unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { libc::geteuid() }, uid);
        drop(g);
        // SAFETY: as above.
        assert_eq!(unsafe { libc::geteuid() }, uid);
    }
}
