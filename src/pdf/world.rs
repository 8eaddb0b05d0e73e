//! The booklet's Typst world: everything the typesetter may read, and nothing
//! else. It serves the template (built in, or the bank's own
//! `theme/booklet.typ`), the booklet data as `/data.json`, the bundled fonts,
//! and the figures of the bank's `media/` folder, as the loader read them
//! (plain files, size-limited, held once in [`Media`]). Every other path is
//! refused and no system font is ever read, so no file outside the bank can
//! reach the PDF and the same bank always gives the same pages.

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use crate::fonts as bundled;
use crate::model::Media;

/// The virtual path of the template.
pub(crate) const TEMPLATE_PATH: &str = "/booklet.typ";
/// The virtual path of the booklet data the template reads with `json(..)`.
pub(crate) const DATA_PATH: &str = "/data.json";
/// Figures are served from this virtual folder, one plain file name deep.
pub(crate) const MEDIA_PREFIX: &str = "/media/";

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
            bundled::MATH,
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
    media: Media,
    today: Option<Datetime>,
}

impl BookletWorld {
    pub(crate) fn new(
        template: String,
        data: Vec<u8>,
        media: Media,
        today: Option<Datetime>,
    ) -> BookletWorld {
        BookletWorld {
            template: Source::new(file_id(TEMPLATE_PATH), template),
            data: Bytes::new(data),
            media,
            today,
        }
    }

    /// The template's source (for turning a diagnostic's span into a line).
    pub(crate) fn template(&self) -> &Source {
        &self.template
    }

    fn read_media(&self, id: FileId) -> FileResult<Bytes> {
        let vpath = id.get().vpath().get_with_slash();
        let name = vpath
            .strip_prefix(MEDIA_PREFIX)
            .filter(|n| !n.is_empty() && !n.contains(['/', '\\']) && !n.starts_with('.'))
            .ok_or(FileError::AccessDenied)?;
        let bytes = self
            .media
            .get(name)
            .ok_or_else(|| FileError::NotFound(vpath.into()))?;
        Ok(Bytes::new(bytes.clone()))
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
        self.read_media(id)
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

    fn world() -> BookletWorld {
        let mut media = Media::default();
        media.insert("a.svg", std::sync::Arc::from(&b"<svg/>"[..]));
        BookletWorld::new(String::new(), b"{}".to_vec(), media, None)
    }

    #[test]
    fn serves_the_data_and_the_banks_figures_only() {
        let w = world();
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
            "/media/b.svg",
        ] {
            let Ok(vpath) = VirtualPath::new(path) else {
                continue;
            };
            let id = RootedPath::new(VirtualRoot::Project, vpath).intern();
            assert!(w.file(id).is_err(), "{path} was served");
        }
    }

    #[test]
    fn has_only_the_bundled_fonts() {
        let families: Vec<String> = fonts()
            .0
            .families()
            .map(|(name, _)| name.to_string())
            .collect();
        assert_eq!(
            families,
            ["DejaVu Sans", "DejaVu Sans Mono", "TeX Gyre DejaVu Math"]
        );
    }
}
