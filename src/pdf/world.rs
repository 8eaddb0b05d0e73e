//! The booklet's Typst world: everything the typesetter may read, and nothing
//! else. It serves the template (built in, or the bank's own
//! `theme/booklet.typ`), the booklet data as `/data.json`, the bundled fonts,
//! and the figures under the bank's `media/` folder. Every other path is
//! refused and no system font is ever read, so no file outside the bank can
//! reach the PDF and the same bank always gives the same pages.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts as bundled;

/// The virtual path of the template.
pub(crate) const TEMPLATE_PATH: &str = "/booklet.typ";
/// The virtual path of the booklet data the template reads with `json(..)`.
pub(crate) const DATA_PATH: &str = "/data.json";
/// Figures are served from this virtual folder, one plain file name deep.
pub(crate) const MEDIA_PREFIX: &str = "/media/";
/// The largest figure the world hands to the typesetter.
const MAX_FIGURE_BYTES: u64 = 10 * 1024 * 1024;

/// The bundled faces, parsed once per process.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: std::sync::OnceLock<(LazyHash<FontBook>, Vec<Font>)> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| {
        let faces: Vec<Font> = [
            bundled::SANS_REGULAR,
            bundled::SANS_BOLD,
            bundled::SANS_ITALIC,
            bundled::SANS_BOLD_ITALIC,
            bundled::MONO_REGULAR,
            bundled::MONO_BOLD,
        ]
        .into_iter()
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
        (LazyHash::new(FontBook::from_fonts(&faces)), faces)
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: std::sync::OnceLock<LazyHash<Library>> = std::sync::OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::builder().build()))
}

/// The file id of a virtual path in the booklet's project.
pub(crate) fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// One compilation's world.
pub(crate) struct BookletWorld {
    template: Source,
    data: Bytes,
    media_dir: PathBuf,
    today: Option<Datetime>,
    /// Figures already read in this compilation.
    media: Mutex<HashMap<FileId, FileResult<Bytes>>>,
}

impl BookletWorld {
    pub(crate) fn new(
        template: String,
        data: Vec<u8>,
        media_dir: PathBuf,
        today: Option<Datetime>,
    ) -> BookletWorld {
        BookletWorld {
            template: Source::new(file_id(TEMPLATE_PATH), template),
            data: Bytes::new(data),
            media_dir,
            today,
            media: Mutex::new(HashMap::new()),
        }
    }

    /// The template's source (for turning a diagnostic's span into a line).
    pub(crate) fn template(&self) -> &Source {
        &self.template
    }

    fn read_media(&self, id: FileId) -> FileResult<Bytes> {
        let vpath = id.get().vpath().get_with_slash();
        let denied = || FileError::AccessDenied;
        let name = vpath.strip_prefix(MEDIA_PREFIX).ok_or_else(denied)?;
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(denied());
        }
        let path = self.media_dir.join(name);
        // A plain file inside media/: no symbolic link, FIFO or device.
        let meta = std::fs::symlink_metadata(&path).map_err(|e| FileError::from_io(e, &path))?;
        if !meta.file_type().is_file() || meta.len() > MAX_FIGURE_BYTES {
            return Err(denied());
        }
        let bytes = std::fs::read(&path).map_err(|e| FileError::from_io(e, &path))?;
        Ok(Bytes::new(bytes))
    }
}

impl World for BookletWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.template.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.template.id() {
            Ok(self.template.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if *id.get().root() != VirtualRoot::Project {
            return Err(FileError::AccessDenied);
        }
        if id == file_id(DATA_PATH) {
            return Ok(self.data.clone());
        }
        if id == self.template.id() {
            return Ok(Bytes::from_string(self.template.text().to_string()));
        }
        let mut cache = self.media.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(id)
            .or_insert_with(|| self.read_media(id))
            .clone()
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        self.today
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn world(media: &std::path::Path) -> BookletWorld {
        BookletWorld::new(String::new(), b"{}".to_vec(), media.to_path_buf(), None)
    }

    #[test]
    fn serves_the_data_and_figures_inside_media_only() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        std::fs::create_dir(&media).unwrap();
        std::fs::write(media.join("a.svg"), "<svg/>").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "no").unwrap();
        let w = world(&media);
        assert_eq!(w.file(file_id(DATA_PATH)).unwrap().as_slice(), b"{}");
        assert_eq!(
            w.file(file_id("/media/a.svg")).unwrap().as_slice(),
            b"<svg/>"
        );
        for path in [
            "/secret.txt",
            "/media/../secret.txt",
            "/etc/passwd",
            "/media/.hidden",
            "/media/sub/a.svg",
        ] {
            let Ok(vpath) = VirtualPath::new(path) else {
                continue;
            };
            let id = RootedPath::new(VirtualRoot::Project, vpath).intern();
            assert!(w.file(id).is_err(), "{path} was served");
        }
    }

    #[cfg(unix)]
    #[test]
    fn refuses_a_symbolic_link_in_media() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        std::fs::create_dir(&media).unwrap();
        std::fs::write(dir.path().join("outside.svg"), "<svg/>").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.svg"), media.join("l.svg")).unwrap();
        assert!(world(&media).file(file_id("/media/l.svg")).is_err());
    }

    #[test]
    fn has_only_the_bundled_fonts() {
        let families: Vec<String> = fonts()
            .0
            .families()
            .map(|(name, _)| name.to_string())
            .collect();
        assert_eq!(families, ["DejaVu Sans", "DejaVu Sans Mono"]);
    }
}
