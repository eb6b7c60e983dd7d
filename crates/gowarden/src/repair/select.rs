//! Which finding a repair is about: by id, by code, or by a path it names.

use std::fs;
use std::path::Path;

use super::{RepairError, fsops};
use crate::report::{Action, Code, Finding, Report};
use crate::symlink;

/// The findings gowarden can repair itself: relinks with a candidate, startup-file edits.
pub fn repairable(report: &Report) -> Vec<&Finding> {
    report
        .findings
        .iter()
        .filter(|f| f.action.is_repairable())
        .collect()
}

/// The finding `selector` names in `report`: its id; its code, when one repairable finding
/// has it; or a path it is about (relative to `cwd`).
pub fn find<'a>(
    report: &'a Report,
    selector: &str,
    cwd: &Path,
) -> Result<&'a Finding, RepairError> {
    if let Some(f) = report.finding(selector) {
        return Ok(f);
    }
    let one = |found: Vec<&'a Finding>| -> Result<Option<&'a Finding>, RepairError> {
        let fixable: Vec<_> = found.iter().filter(|f| f.action.is_repairable()).collect();
        match (found.len(), fixable.len()) {
            (0, _) => Ok(None),
            (1, _) => Ok(Some(found[0])),
            (_, 1) => Ok(Some(fixable[0])),
            _ => Err(RepairError::Ambiguous {
                selector: selector.to_string(),
                ids: found.iter().map(|f| f.id.clone()).collect(),
            }),
        }
    };
    if let Some(code) = Code::ALL.iter().find(|c| c.as_str() == selector) {
        let found = report.findings.iter().filter(|f| f.code == *code).collect();
        if let Some(f) = one(found)? {
            return Ok(f);
        }
        return Err(RepairError::NotFound {
            selector: selector.to_string(),
            what: None,
        });
    }
    let path = symlink::clean(&cwd.join(selector));
    let names = |f: &Finding| {
        let acted_on = match &f.action {
            Action::Relink { link, .. } => Some(link),
            Action::EditShellFile { file, .. } => Some(file),
            _ => None,
        };
        acted_on.is_some_and(|p| symlink::clean(p) == path)
            || f.subjects.iter().any(|s| symlink::clean(&s.path) == path)
    };
    if let Some(f) = one(report.findings.iter().filter(|f| names(f)).collect())? {
        return Ok(f);
    }
    Err(RepairError::NotFound {
        selector: selector.to_string(),
        what: fs::symlink_metadata(&path)
            .is_ok()
            .then(|| format!("{} is {}", path.display(), fsops::describe(&path))),
    })
}
