//! Writing a checked plan: every changed file replaced, all or none (old
//! bytes put back if a rename fails), and the plan shown as a unified diff.

use std::fs;

use anyhow::{anyhow, Context};

use super::{FileChange, Plan};

/// Write every changed file, all or none, keeping each file's permissions.
/// Every file is first checked to still hold what the plan was made from
/// (a file edited meanwhile stops the whole apply), then every new file is
/// written and synced beside its target, and only then renamed into place.
/// If a rename fails, the files already renamed get their old bytes back.
pub(crate) fn write(plan: &Plan) -> anyhow::Result<()> {
    for f in &plan.files {
        let now = fs::read(&f.path).with_context(|| format!("cannot read {}", f.path.display()))?;
        if now != f.old {
            return Err(anyhow!(
                "{} changed while the review was being applied; nothing was written; run apply again",
                f.path.display()
            ));
        }
    }
    let mut staged = Vec::new();
    for f in &plan.files {
        let pending = crate::output::prepare_atomic(&f.path, |w| {
            use std::io::Write as _;
            w.write_all(&f.new).map_err(Into::into)
        })
        .with_context(|| {
            format!(
                "cannot stage the new {}; nothing was written",
                f.path.display()
            )
        })?;
        staged.push(pending);
    }
    commit_all(&plan.files, staged)
}

/// Rename every staged file into place; on the first failure, put the old
/// bytes back into the files already renamed and say what happened.
fn commit_all(
    files: &[FileChange],
    staged: Vec<crate::output::PendingOutput>,
) -> anyhow::Result<()> {
    let mut staged = staged.into_iter();
    for (done, (f, pending)) in files.iter().zip(staged.by_ref()).enumerate() {
        let Err(e) = pending.commit() else {
            continue;
        };
        // The remaining staged files are dropped (removed) with `staged`.
        let mut restored = Vec::new();
        let mut not_restored = Vec::new();
        for earlier in &files[..done] {
            match crate::output::write_atomic(&earlier.path, &earlier.old) {
                Ok(()) => restored.push(earlier.path.display().to_string()),
                Err(r) => not_restored.push(format!("{} ({r:#})", earlier.path.display())),
            }
        }
        let mut what = format!("{} could not be replaced", f.path.display());
        if !restored.is_empty() {
            what.push_str(&format!(
                "; restored to their old content: {}",
                restored.join(", ")
            ));
        }
        if not_restored.is_empty() {
            what.push_str("; no file was changed");
        } else {
            what.push_str(&format!(
                "; NOT restored (they hold the review's edits): {}",
                not_restored.join(", ")
            ));
        }
        return Err(e.context(what));
    }
    Ok(())
}

/// A unified diff of every file the plan changes.
pub(crate) fn diff(plan: &Plan) -> String {
    let mut out = String::new();
    for f in &plan.files {
        let old = String::from_utf8_lossy(&f.old);
        let new = String::from_utf8_lossy(&f.new);
        let name = f.path.display().to_string();
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(2)
                .header(&name, &name)
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn plan_for(dir: &Path, names: &[&str]) -> Plan {
        let files = names
            .iter()
            .map(|name| {
                let path = dir.join(name);
                fs::write(&path, "old").unwrap();
                FileChange {
                    path,
                    old: b"old".to_vec(),
                    new: b"new".to_vec(),
                }
            })
            .collect();
        Plan {
            files,
            ..Plan::default()
        }
    }

    #[test]
    fn write_replaces_files_and_keeps_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_for(dir.path(), &["a.md", "b.md"]);
        fs::set_permissions(&plan.files[0].path, fs::Permissions::from_mode(0o640)).unwrap();
        write(&plan).unwrap();
        for f in &plan.files {
            assert_eq!(fs::read(&f.path).unwrap(), b"new");
        }
        let mode = fs::metadata(&plan.files[0].path)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            2,
            "temporary files left"
        );
    }

    #[test]
    fn write_refuses_when_a_file_changed_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_for(dir.path(), &["a.md", "b.md"]);
        fs::write(&plan.files[1].path, "edited meanwhile").unwrap();
        let err = write(&plan).unwrap_err().to_string();
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(fs::read(&plan.files[0].path).unwrap(), b"old");
    }

    #[test]
    fn a_failed_rename_restores_the_files_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_for(dir.path(), &["a.md", "b.md", "c.md"]);
        let staged: Vec<_> = plan
            .files
            .iter()
            .map(|f| {
                crate::output::prepare_atomic(&f.path, |w| {
                    use std::io::Write as _;
                    w.write_all(&f.new).map_err(Into::into)
                })
                .unwrap()
            })
            .collect();
        // b.md becomes a non-empty folder: renaming a file over it fails.
        fs::remove_file(&plan.files[1].path).unwrap();
        fs::create_dir(&plan.files[1].path).unwrap();
        fs::write(plan.files[1].path.join("x"), "x").unwrap();
        let err = format!("{:#}", commit_all(&plan.files, staged).unwrap_err());
        assert!(err.contains("b.md could not be replaced"), "{err}");
        assert!(err.contains("restored to their old content"), "{err}");
        assert!(
            err.contains("a.md") && err.contains("no file was changed"),
            "{err}"
        );
        assert_eq!(fs::read(&plan.files[0].path).unwrap(), b"old");
        assert_eq!(fs::read(&plan.files[2].path).unwrap(), b"old");
        // No staged file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
        assert_eq!(fs::read(&plan.files[0].path).unwrap(), b"old");
    }
}
