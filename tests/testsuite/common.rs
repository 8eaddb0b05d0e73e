//! Helpers shared by the integration tests.

use std::fs;
use std::path::Path;

/// Copy the folder `from` (a bank, say) into `to`, recursively, so a test
/// can edit and build it without touching the repository.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}
