//! Atomic output: every exporter writes through here, so a failed or
//! interrupted build never leaves a half-written file where a good one was.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

/// Write `bytes` to `path` by writing a temporary file in the same folder,
/// syncing it, and renaming it into place only once complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes).map_err(Into::into))
}

/// Like [`write_atomic`], but the content is produced by `fill` writing into
/// the temporary file. If `fill` fails, the temporary file is removed and the
/// previous file at `path` is untouched. The new file keeps the permissions
/// of the file it replaces; a new file gets `rw-r--r--`.
pub(crate) fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<()> {
    prepare_atomic(path, fill)?.commit()
}

/// A complete output waiting in its temporary file beside `path`: nothing
/// at `path` has changed yet. Dropping it removes the temporary file.
pub(crate) struct PendingOutput {
    tmp: tempfile::NamedTempFile,
    path: std::path::PathBuf,
}

impl PendingOutput {
    /// Fail if the place of this output cannot take a file: a folder is there.
    pub(crate) fn check_place(&self) -> Result<()> {
        match std::fs::symlink_metadata(&self.path) {
            Ok(meta) if meta.is_dir() => anyhow::bail!(
                "cannot replace {}: a folder is in its place; move it away",
                self.path.display()
            ),
            _ => Ok(()),
        }
    }

    /// Rename the finished file into place.
    pub(crate) fn commit(self) -> Result<()> {
        self.tmp
            .persist(&self.path)
            .with_context(|| format!("cannot replace {}", self.path.display()))?;
        Ok(())
    }
}

/// The first half of [`write_atomic_with`]: write and sync the temporary
/// file, but leave `path` alone until [`PendingOutput::commit`]. An exporter
/// that also updates another file (the Anki lock) prepares its output first,
/// so an unwritable output folder fails before anything has changed.
pub(crate) fn prepare_atomic(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<()>,
) -> Result<PendingOutput> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    let permissions = match std::fs::metadata(path) {
        Ok(meta) => Some(meta.permissions()),
        Err(_) => default_permissions(),
    };
    if let Some(permissions) = permissions {
        tmp.as_file()
            .set_permissions(permissions)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    fill(tmp.as_file_mut()).with_context(|| format!("cannot write {}", path.display()))?;
    tmp.as_file_mut()
        .sync_all()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(PendingOutput {
        tmp,
        path: path.to_path_buf(),
    })
}

/// The name every temporary file or folder qbank writes starts with.
pub(crate) const TEMP_PREFIX: &str = ".qbank-";
/// ... and ends with.
pub(crate) const TEMP_SUFFIX: &str = ".tmp";

/// Remove qbank's temporary files and folders in `dir` older than `age`:
/// what a killed build (power cut, SIGKILL) left behind. Younger ones may
/// belong to a build still running and are left alone. Returns how many
/// were removed; failures to remove are ignored (the next build tries again).
pub(crate) fn remove_stale_temporaries(dir: &Path, age: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let now = std::time::SystemTime::now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)) {
            continue;
        }
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|d| d >= age);
        if !old {
            continue;
        }
        let gone = if meta.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        removed += usize::from(gone.is_ok());
    }
    removed
}

/// Temporary files are created private (0600); an output is meant to be read.
#[cfg(unix)]
fn default_permissions() -> Option<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Some(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions() -> Option<std::fs::Permissions> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_file_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn failure_leaves_previous_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"good").unwrap();
        let err = write_atomic_with(&p, |w| {
            w.write_all(b"half")?;
            anyhow::bail!("interrupted")
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"good");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_prepared_output_changes_nothing_until_committed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"old").unwrap();
        let pending = prepare_atomic(&p, |w| w.write_all(b"new").map_err(Into::into)).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        drop(pending);
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let pending = prepare_atomic(&p, |w| w.write_all(b"new").map_err(Into::into)).unwrap();
        pending.commit().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn only_old_qbank_temporaries_are_cleaned() {
        let dir = tempfile::tempdir().unwrap();
        let old_file = dir.path().join(".qbank-AbC.tmp");
        let old_dir = dir.path().join(".qbank-DeF.tmp");
        let young = dir.path().join(".qbank-GhI.tmp");
        let output = dir.path().join("bank.apkg");
        let other = dir.path().join(".other.tmp");
        std::fs::write(&old_file, "x").unwrap();
        std::fs::create_dir(&old_dir).unwrap();
        std::fs::write(old_dir.join("collection.anki2"), "x").unwrap();
        for p in [&young, &output, &other] {
            std::fs::write(p, "x").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_hours(1);
        for p in [&old_file, &old_dir, &output, &other] {
            std::fs::File::open(p)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        let removed = remove_stale_temporaries(dir.path(), std::time::Duration::from_mins(10));
        assert_eq!(removed, 2);
        assert!(!old_file.exists() && !old_dir.exists());
        assert!(young.exists() && output.exists() && other.exists());
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_world_readable_and_replacements_keep_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, b"one").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&p), 0o644);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(mode(&p), 0o640);
    }
}
