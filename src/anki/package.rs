//! The `.apkg` zip: `collection.anki2`, the `media` map (`{"0": "name"}`)
//! and the media files as entries `0`, `1`, … Entries are deflated, in a
//! fixed order, with a fixed timestamp (1980-01-01), so the same deck gives
//! the same bytes. The zip is streamed into its destination (the output's
//! temporary file), so a large deck is never held whole in memory.

use std::collections::BTreeMap;
use std::io::{Read, Seek, Write};

use anyhow::{bail, Context, Result};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::note::MediaFile;

/// Deflate level 4: on a 10,000-question collection (64 KiB pages) it is
/// 12% smaller than level 1 for a quarter more time, and within 5% of
/// level 6 at 40% of its time (see BENCHMARKS.md).
const DEFLATE_LEVEL: i64 = 4;

/// Zip the collection and the media (sorted by name, without repeats).
#[cfg(test)]
pub(crate) fn write_package(collection: &[u8], media: &[MediaFile]) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    write_package_to(&mut out, &mut &collection[..], media)?;
    Ok(out.into_inner())
}

/// Zip the collection, read from `collection`, and the media into `out`.
pub(crate) fn write_package_to<W: Write + Seek>(
    out: W,
    collection: &mut impl Read,
    media: &[MediaFile],
) -> Result<()> {
    for m in media {
        if m.name.is_empty() || m.name.contains(['/', '\\']) || m.name.starts_with('.') {
            bail!("media file name `{}` is not a plain file name", m.name);
        }
    }
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(DEFLATE_LEVEL))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(out);
    zip.start_file("collection.anki2", options)?;
    std::io::copy(collection, &mut zip).context("cannot write the collection into the package")?;
    let map: BTreeMap<String, &str> = media
        .iter()
        .enumerate()
        .map(|(i, m)| (i.to_string(), m.name.as_str()))
        .collect();
    zip.start_file("media", options)?;
    zip.write_all(&serde_json::to_vec(&map)?)?;
    for (i, m) in media.iter().enumerate() {
        zip.start_file(i.to_string(), options)?;
        zip.write_all(&m.bytes)?;
    }
    zip.finish().context("cannot finish the package zip")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn media() -> Vec<MediaFile> {
        vec![MediaFile {
            name: "fig-0123456789ab.svg".into(),
            bytes: b"<svg/>".to_vec().into(),
        }]
    }

    #[test]
    fn layout_is_what_anki_reads() {
        let bytes = write_package(b"db", &media()).unwrap();
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let names: Vec<_> = zip.file_names().map(|n| n.unwrap().into_owned()).collect();
        assert_eq!(names, ["collection.anki2", "media", "0"]);
        let mut map = String::new();
        zip.by_name("media")
            .unwrap()
            .read_to_string(&mut map)
            .unwrap();
        assert_eq!(map, r#"{"0":"fig-0123456789ab.svg"}"#);
        let entry = zip.by_name("0").unwrap();
        assert_eq!(entry.compression(), CompressionMethod::Deflated);
        assert_eq!(entry.last_modified(), Some(DateTime::default()));
    }

    #[test]
    fn same_input_same_bytes() {
        assert_eq!(
            write_package(b"db", &media()).unwrap(),
            write_package(b"db", &media()).unwrap()
        );
    }

    #[test]
    fn path_names_are_refused() {
        let bad = vec![MediaFile {
            name: "../x.svg".into(),
            bytes: Vec::new().into(),
        }];
        assert!(write_package(b"db", &bad).is_err());
    }
}
