//! Finishing genpdf's output with lopdf: the outline (bookmarks, section →
//! question), clickable contents entries, fonts cut down to the glyphs used,
//! every stream compressed, and a fixed document info and id so the same bank
//! always gives the same bytes.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, Context, Result};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};
use sha2::{Digest, Sha256};

use super::compose::Outline;
use genpdf::style::Color;

use super::layout::{Anchor, Pages, Paint};
use super::theme::Geometry;

/// What the finishing step needs to know about the booklet.
pub struct Finish<'a> {
    pub title: &'a str,
    pub subject: &'a str,
    /// `YYYY-MM-DD`, written as the creation date when present.
    pub date: Option<&'a str>,
    pub geometry: Geometry,
    pub pages: &'a Pages,
    pub outline: &'a Outline,
}

const PT_PER_MM: f64 = 72.0 / 25.4;

/// A PDF text string: literal when ASCII, UTF-16BE with a byte-order mark otherwise.
pub fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in s.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

impl Finish<'_> {
    /// Finish `raw` (genpdf's output) and return the final file.
    pub fn run(&self, raw: &[u8]) -> Result<Vec<u8>> {
        let mut doc =
            Document::load_mem(raw).map_err(|e| anyhow!("cannot read the rendered PDF: {e}"))?;
        doc.decompress();
        let page_ids: Vec<ObjectId> = doc.get_pages().values().copied().collect();
        if page_ids.len() != self.pages.pages.len() {
            return Err(anyhow!(
                "the rendered PDF has {} pages, the layout {}",
                page_ids.len(),
                self.pages.pages.len()
            ));
        }
        subset_fonts(&mut doc, &page_ids)?;
        self.add_tints(&mut doc, &page_ids)?;
        self.add_links(&mut doc, &page_ids)?;
        self.add_outline(&mut doc, &page_ids)?;
        self.set_info(&mut doc)?;
        share_repeated_images(&mut doc);
        doc.prune_objects();
        doc.delete_zero_length_streams();
        doc.renumber_objects();
        doc.compress();
        // The id is a digest of the document itself, so it changes exactly
        // when the content does.
        doc.trailer.set("ID", id_pair(b"qbank"));
        let mut first = Vec::new();
        doc.save_to(&mut first).context("cannot write the PDF")?;
        let digest = Sha256::digest(&first);
        doc.trailer.set("ID", id_pair(&digest[..16]));
        let mut out = Vec::with_capacity(first.len());
        doc.save_to(&mut out).context("cannot write the PDF")?;
        Ok(out)
    }

    fn destination(&self, page_ids: &[ObjectId], anchor: Anchor) -> Result<Object> {
        let (page, y) = self
            .pages
            .anchors
            .get(&anchor)
            .copied()
            .ok_or_else(|| anyhow!("{anchor:?} was not laid out"))?;
        let g = &self.geometry;
        let top = (g.height - (g.top + y - 3.0).max(0.0)) * PT_PER_MM;
        Ok(Object::Array(vec![
            Object::Reference(page_ids[page]),
            Object::Name(b"XYZ".to_vec()),
            Object::Null,
            Object::Real(round2(top)),
            Object::Null,
        ]))
    }

    /// Fill the tinted boxes behind the answer parts, under the page's text.
    fn add_tints(&self, doc: &mut Document, page_ids: &[ObjectId]) -> Result<()> {
        let g = &self.geometry;
        for (index, page) in self.pages.pages.iter().enumerate() {
            // Bars come line by line: join the touching ones of one tint.
            let mut boxes: Vec<(f64, f64, f64, Color)> = Vec::new();
            for paint in &page.paints {
                if let Paint::Bar {
                    x,
                    y1,
                    y2,
                    tint: Some(tint),
                    ..
                } = paint
                {
                    match boxes.last_mut() {
                        Some(last) if last.0 == *x && last.3 == *tint && *y1 <= last.2 + 0.01 => {
                            last.2 = last.2.max(*y2)
                        }
                        _ => boxes.push((*x, *y1, *y2, *tint)),
                    }
                }
            }
            if boxes.is_empty() {
                continue;
            }
            let left = g.left(index + 1);
            let mut ops = String::new();
            for (x, y1, y2, tint) in boxes {
                let Color::Rgb(r, gr, b) = tint else { continue };
                let x0 = (left + x) * PT_PER_MM;
                let w = (g.content_width() - x) * PT_PER_MM;
                let bottom = (g.height - g.top - y2) * PT_PER_MM;
                let h = (y2 - y1) * PT_PER_MM;
                ops.push_str(&format!(
                    "q {:.3} {:.3} {:.3} rg {:.2} {:.2} {:.2} {:.2} re f Q\n",
                    f64::from(r) / 255.0,
                    f64::from(gr) / 255.0,
                    f64::from(b) / 255.0,
                    x0,
                    bottom,
                    w,
                    h
                ));
            }
            let stream = doc.add_object(Stream::new(Dictionary::new(), ops.into_bytes()));
            let page_dict = doc
                .get_object_mut(page_ids[index])
                .and_then(Object::as_dict_mut)
                .map_err(|e| anyhow!("page {} is unreadable: {e}", index + 1))?;
            let mut contents = vec![Object::Reference(stream)];
            match page_dict.get(b"Contents") {
                Ok(Object::Array(old)) => contents.extend(old.iter().cloned()),
                Ok(other) => contents.push(other.clone()),
                Err(_) => {}
            }
            page_dict.set("Contents", Object::Array(contents));
        }
        Ok(())
    }

    fn add_links(&self, doc: &mut Document, page_ids: &[ObjectId]) -> Result<()> {
        let g = &self.geometry;
        let mut per_page: BTreeMap<usize, Vec<Object>> = BTreeMap::new();
        for link in &self.pages.links {
            let left = g.left(link.page + 1);
            let x1 = left * PT_PER_MM;
            let x2 = (left + g.content_width()) * PT_PER_MM;
            let y_top = (g.height - g.top - link.y) * PT_PER_MM;
            let y_bottom = (g.height - g.top - link.y - link.height) * PT_PER_MM;
            let mut annot = Dictionary::new();
            annot.set("Type", Object::Name(b"Annot".to_vec()));
            annot.set("Subtype", Object::Name(b"Link".to_vec()));
            annot.set(
                "Rect",
                Object::Array(
                    [x1, y_bottom, x2, y_top]
                        .iter()
                        .map(|v| Object::Real(round2(*v)))
                        .collect(),
                ),
            );
            annot.set(
                "Border",
                Object::Array(vec![
                    Object::Integer(0),
                    Object::Integer(0),
                    Object::Integer(0),
                ]),
            );
            annot.set("Dest", self.destination(page_ids, link.target)?);
            let id = doc.add_object(Object::Dictionary(annot));
            per_page
                .entry(link.page)
                .or_default()
                .push(Object::Reference(id));
        }
        for (page, annots) in per_page {
            let dict = doc
                .get_object_mut(page_ids[page])
                .and_then(Object::as_dict_mut)
                .map_err(|e| anyhow!("page {} is unreadable: {e}", page + 1))?;
            dict.set("Annots", Object::Array(annots));
        }
        Ok(())
    }

    fn add_outline(&self, doc: &mut Document, page_ids: &[ObjectId]) -> Result<()> {
        if self.outline.sections.is_empty() {
            return Ok(());
        }
        let root_id = doc.new_object_id();
        let mut section_ids = Vec::new();
        let mut total = 0i64;
        for section in &self.outline.sections {
            let sid = doc.new_object_id();
            let qids: Vec<ObjectId> = section
                .questions
                .iter()
                .map(|_| doc.new_object_id())
                .collect();
            for (k, (title, anchor)) in section.questions.iter().enumerate() {
                let mut d = Dictionary::new();
                d.set("Title", text_string(title));
                d.set("Parent", Object::Reference(sid));
                if k > 0 {
                    d.set("Prev", Object::Reference(qids[k - 1]));
                }
                if k + 1 < qids.len() {
                    d.set("Next", Object::Reference(qids[k + 1]));
                }
                d.set("Dest", self.destination(page_ids, *anchor)?);
                doc.objects.insert(qids[k], Object::Dictionary(d));
            }
            let mut d = Dictionary::new();
            d.set("Title", text_string(&section.title));
            d.set("Parent", Object::Reference(root_id));
            d.set("Dest", self.destination(page_ids, section.anchor)?);
            if let (Some(first), Some(last)) = (qids.first(), qids.last()) {
                d.set("First", Object::Reference(*first));
                d.set("Last", Object::Reference(*last));
                d.set("Count", Object::Integer(qids.len() as i64));
            }
            total += 1 + qids.len() as i64;
            section_ids.push((sid, d));
        }
        let ids: Vec<ObjectId> = section_ids.iter().map(|(id, _)| *id).collect();
        for (k, (sid, mut d)) in section_ids.into_iter().enumerate() {
            if k > 0 {
                d.set("Prev", Object::Reference(ids[k - 1]));
            }
            if k + 1 < ids.len() {
                d.set("Next", Object::Reference(ids[k + 1]));
            }
            doc.objects.insert(sid, Object::Dictionary(d));
        }
        let mut root = Dictionary::new();
        root.set("Type", Object::Name(b"Outlines".to_vec()));
        root.set("First", Object::Reference(ids[0]));
        root.set("Last", Object::Reference(*ids.last().expect("a section")));
        root.set("Count", Object::Integer(total));
        doc.objects.insert(root_id, Object::Dictionary(root));
        let catalog_id = doc
            .trailer
            .get(b"Root")
            .and_then(Object::as_reference)
            .map_err(|e| anyhow!("the PDF has no catalog: {e}"))?;
        let catalog = doc
            .get_object_mut(catalog_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| anyhow!("the PDF catalog is unreadable: {e}"))?;
        catalog.set("Outlines", Object::Reference(root_id));
        catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        Ok(())
    }

    fn set_info(&self, doc: &mut Document) -> Result<()> {
        let mut info = Dictionary::new();
        info.set("Title", text_string(self.title));
        if !self.subject.is_empty() {
            info.set("Subject", text_string(self.subject));
        }
        info.set("Creator", text_string("qbank"));
        info.set("Producer", text_string("qbank (genpdf, lopdf)"));
        if let Some(date) = self.date.and_then(pdf_date) {
            info.set("CreationDate", Object::string_literal(date.clone()));
            info.set("ModDate", Object::string_literal(date));
        }
        let id = doc.add_object(Object::Dictionary(info));
        doc.trailer.set("Info", Object::Reference(id));
        // The catalog may point at XMP metadata carrying a clock time.
        let catalog_id = doc.trailer.get(b"Root").and_then(Object::as_reference).ok();
        if let Some(cid) = catalog_id {
            if let Ok(cat) = doc.get_object_mut(cid).and_then(Object::as_dict_mut) {
                cat.remove(b"Metadata");
            }
        }
        Ok(())
    }
}

/// Keep one copy of a figure drawn more than once (genpdf embeds the image
/// anew each time).
fn share_repeated_images(doc: &mut Document) {
    let mut first_of: BTreeMap<[u8; 32], ObjectId> = BTreeMap::new();
    let mut same_as: BTreeMap<ObjectId, ObjectId> = BTreeMap::new();
    for (id, object) in &doc.objects {
        let Object::Stream(stream) = object else {
            continue;
        };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Image".as_slice()) {
            continue;
        }
        let mut hasher = Sha256::new();
        hasher.update(format!("{:?}", stream.dict).as_bytes());
        hasher.update(&stream.content);
        let digest: [u8; 32] = hasher.finalize().into();
        match first_of.get(&digest) {
            Some(first) => {
                same_as.insert(*id, *first);
            }
            None => {
                first_of.insert(digest, *id);
            }
        }
    }
    if same_as.is_empty() {
        return;
    }
    // Point every reference to a duplicate at the kept copy.
    for object in doc.objects.values_mut() {
        redirect(object, &same_as);
    }
}

fn redirect(object: &mut Object, same_as: &BTreeMap<ObjectId, ObjectId>) {
    match object {
        Object::Reference(id) => {
            if let Some(kept) = same_as.get(id) {
                *id = *kept;
            }
        }
        Object::Array(items) => items.iter_mut().for_each(|o| redirect(o, same_as)),
        Object::Dictionary(d) => d.iter_mut().for_each(|(_, o)| redirect(o, same_as)),
        Object::Stream(s) => s.dict.iter_mut().for_each(|(_, o)| redirect(o, same_as)),
        _ => {}
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

fn id_pair(bytes: &[u8]) -> Object {
    let s = Object::String(hex::encode(bytes).into_bytes(), StringFormat::Literal);
    Object::Array(vec![s.clone(), s])
}

/// "2026-11-28" → "D:20261128000000Z".
fn pdf_date(date: &str) -> Option<String> {
    let digits: String = date.chars().filter(char::is_ascii_digit).collect();
    (digits.len() == 8 && date.len() == 10).then(|| format!("D:{digits}000000Z"))
}

/// Glyph ids each font resource draws, across all pages.
fn used_glyphs(doc: &Document, page_ids: &[ObjectId]) -> Result<BTreeMap<ObjectId, BTreeSet<u16>>> {
    let mut used: BTreeMap<ObjectId, BTreeSet<u16>> = BTreeMap::new();
    for &page in page_ids {
        let fonts = page_font_refs(doc, page);
        let content = doc
            .get_page_content(page)
            .map_err(|e| anyhow!("cannot read a page's content: {e}"))?;
        scan_text_glyphs(&content, |font_name, glyph| {
            if let Some(id) = fonts.get(font_name) {
                used.entry(*id).or_default().insert(glyph);
            }
        });
    }
    Ok(used)
}

/// Call `found(font resource name, glyph id)` for every glyph a content
/// stream draws. The booklet's text is drawn as `/Fn size Tf` followed by
/// hex strings of two-byte glyph ids (`[<0030><002f>] TJ`), which is all this
/// scanner needs to read; it skips literal strings and everything else.
fn scan_text_glyphs(content: &[u8], mut found: impl FnMut(&[u8], u16)) {
    let mut current: Option<&[u8]> = None;
    let mut last_name: Option<&[u8]> = None;
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'/' => {
                let start = i + 1;
                i = start;
                while i < content.len() && !is_delimiter(content[i]) {
                    i += 1;
                }
                last_name = Some(&content[start..i]);
                continue;
            }
            b'<' if content.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                let start = i + 1;
                let end = content[start..]
                    .iter()
                    .position(|&b| b == b'>')
                    .map_or(content.len(), |p| start + p);
                if let Some(font) = current {
                    let hex: Vec<u8> = content[start..end]
                        .iter()
                        .copied()
                        .filter(u8::is_ascii_hexdigit)
                        .collect();
                    for quad in hex.chunks_exact(4) {
                        let text = std::str::from_utf8(quad).unwrap_or("");
                        if let Ok(g) = u16::from_str_radix(text, 16) {
                            found(font, g);
                        }
                    }
                }
                i = end + 1;
            }
            b'(' => {
                // Skip a literal string, minding escapes and nesting.
                let mut depth = 0;
                while i < content.len() {
                    match content[i] {
                        b'\\' => i += 1,
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                i += 1;
            }
            b'T' if content.get(i + 1) == Some(&b'f')
                && content.get(i + 2).is_none_or(|b| is_delimiter(*b)) =>
            {
                current = last_name;
                i += 2;
            }
            _ => i += 1,
        }
    }
}

fn is_delimiter(b: u8) -> bool {
    b.is_ascii_whitespace() || b"()<>[]{}/%".contains(&b)
}

/// A page's font resources: resource name → font object.
fn page_font_refs(doc: &Document, page: ObjectId) -> BTreeMap<Vec<u8>, ObjectId> {
    let mut out = BTreeMap::new();
    let (direct, inherited) = doc.get_page_resources(page);
    let mut dicts: Vec<&Dictionary> = direct.into_iter().collect();
    for id in inherited {
        if let Ok(d) = doc.get_dictionary(id) {
            dicts.push(d);
        }
    }
    for res in dicts {
        let fonts = match res.get(b"Font") {
            Ok(Object::Reference(id)) => doc.get_dictionary(*id).ok(),
            Ok(Object::Dictionary(d)) => Some(d),
            _ => None,
        };
        if let Some(fonts) = fonts {
            for (name, value) in fonts.iter() {
                if let Ok(id) = value.as_reference() {
                    out.entry(name.clone()).or_insert(id);
                }
            }
        }
    }
    out
}

/// Cut every embedded TrueType font down to the glyphs drawn (glyph ids stay
/// the same), trim its widths and ToUnicode map to match, and drop fonts no
/// page draws with.
fn subset_fonts(doc: &mut Document, page_ids: &[ObjectId]) -> Result<()> {
    let used = used_glyphs(doc, page_ids)?;
    // Unused fonts leave the page resources (pruning then drops them).
    for &page in page_ids {
        let (direct, inherited) = doc.get_page_resources(page);
        let mut font_dict_ids = Vec::new();
        let direct_is_inline = direct.is_some();
        for id in inherited {
            font_dict_ids.push(id);
        }
        let names_to_drop: Vec<Vec<u8>> = page_font_refs(doc, page)
            .into_iter()
            .filter(|(_, id)| !used.contains_key(id))
            .map(|(n, _)| n)
            .collect();
        if names_to_drop.is_empty() {
            continue;
        }
        let drop_from = |d: &mut Dictionary, doc_fonts: Option<ObjectId>| -> Option<ObjectId> {
            match d.get_mut(b"Font") {
                Ok(Object::Dictionary(f)) => {
                    for n in &names_to_drop {
                        f.remove(n);
                    }
                    None
                }
                Ok(Object::Reference(id)) => Some(*id),
                _ => doc_fonts,
            }
        };
        let mut referenced = Vec::new();
        if direct_is_inline {
            if let Ok(page_dict) = doc.get_object_mut(page).and_then(Object::as_dict_mut) {
                match page_dict.get_mut(b"Resources") {
                    Ok(Object::Dictionary(res)) => referenced.extend(drop_from(res, None)),
                    Ok(Object::Reference(id)) => font_dict_ids.push(*id),
                    _ => {}
                }
            }
        }
        for id in font_dict_ids {
            if let Ok(res) = doc.get_object_mut(id).and_then(Object::as_dict_mut) {
                referenced.extend(drop_from(res, None));
            }
        }
        for id in referenced {
            if let Ok(f) = doc.get_object_mut(id).and_then(Object::as_dict_mut) {
                for n in &names_to_drop {
                    f.remove(n);
                }
            }
        }
    }
    for (font_id, glyphs) in &used {
        subset_one(doc, *font_id, glyphs)
            .with_context(|| format!("cannot subset font object {font_id:?}"))?;
    }
    Ok(())
}

fn subset_one(doc: &mut Document, font_id: ObjectId, glyphs: &BTreeSet<u16>) -> Result<()> {
    let font = doc
        .get_dictionary(font_id)
        .map_err(|e| anyhow!("{e}"))?
        .clone();
    if font.get(b"Subtype").and_then(Object::as_name).ok() != Some(b"Type0".as_slice()) {
        return Ok(());
    }
    let mut descendants = font
        .get(b"DescendantFonts")
        .and_then(Object::as_array)
        .map_err(|e| anyhow!("{e}"))?
        .clone();
    let cid_font = match descendants.first_mut() {
        Some(Object::Dictionary(d)) => d,
        _ => return Ok(()),
    };
    let descriptor_id = cid_font
        .get(b"FontDescriptor")
        .and_then(Object::as_reference)
        .map_err(|e| anyhow!("{e}"))?;
    let file_id = doc
        .get_dictionary(descriptor_id)
        .and_then(|d| d.get(b"FontFile2"))
        .and_then(Object::as_reference)
        .map_err(|e| anyhow!("{e}"))?;
    let mut with_notdef: Vec<u16> = glyphs.iter().copied().collect();
    if !glyphs.contains(&0) {
        with_notdef.insert(0, 0);
    }
    // Subset the font program.
    let data = match doc.get_object(file_id).and_then(Object::as_stream) {
        Ok(s) => s.content.clone(),
        Err(e) => return Err(anyhow!("{e}")),
    };
    let subset = subsetter::subset(&data, 0, subsetter::Profile::pdf(&with_notdef))
        .map_err(|e| anyhow!("subsetting failed: {e:?}"))?;
    // A subset font is named TAG+PostScriptName, the tag derived from its glyphs.
    let base_name = postscript_name(&data).unwrap_or_else(|| "DejaVu".to_string());
    let digest = Sha256::digest(
        with_notdef
            .iter()
            .flat_map(|g| g.to_be_bytes())
            .collect::<Vec<u8>>(),
    );
    let tag: String = digest[..6]
        .iter()
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    let name = Object::Name(format!("{tag}+{base_name}").into_bytes());
    if let Ok(stream) = doc.get_object_mut(file_id).and_then(Object::as_stream_mut) {
        stream
            .dict
            .set("Length1", Object::Integer(subset.len() as i64));
        stream.set_content(subset);
    }
    if let Ok(d) = doc
        .get_object_mut(descriptor_id)
        .and_then(Object::as_dict_mut)
    {
        d.set("FontName", name.clone());
    }
    cid_font.set("BaseFont", name.clone());
    // Widths of the used glyphs only.
    if let Ok(w) = cid_font.get(b"W").and_then(Object::as_array) {
        let widths = parse_widths(w);
        let mut list = Vec::new();
        for g in glyphs {
            if let Some(width) = widths.get(g) {
                list.push(Object::Integer(i64::from(*g)));
                list.push(Object::Array(vec![Object::Integer(*width)]));
            }
        }
        cid_font.set("W", Object::Array(list));
    }
    // ToUnicode for the used glyphs only.
    if let Ok(map_id) = font.get(b"ToUnicode").and_then(Object::as_reference) {
        let old = doc
            .get_object(map_id)
            .and_then(Object::as_stream)
            .map(|s| s.content.clone())
            .unwrap_or_default();
        let map = parse_to_unicode(&String::from_utf8_lossy(&old));
        let cmap = to_unicode_cmap(
            glyphs
                .iter()
                .filter_map(|g| map.get(g).map(|u| (*g, u.as_str()))),
        );
        doc.objects.insert(
            map_id,
            Object::Stream(Stream::new(Dictionary::new(), cmap.into_bytes())),
        );
    }
    if let Ok(f) = doc.get_object_mut(font_id).and_then(Object::as_dict_mut) {
        f.set("DescendantFonts", Object::Array(descendants));
        f.set("BaseFont", name);
    }
    Ok(())
}

/// The PostScript name recorded in a TrueType font's name table.
fn postscript_name(data: &[u8]) -> Option<String> {
    let face = ttf_parser::Face::parse(data, 0).ok()?;
    face.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
        .filter(|n| n.bytes().all(|b| b.is_ascii_graphic() && b != b'/'))
}

/// A CIDFont `W` array → glyph id → width.
fn parse_widths(w: &[Object]) -> BTreeMap<u16, i64> {
    let mut out = BTreeMap::new();
    let mut k = 0;
    while k < w.len() {
        let Ok(start) = w[k].as_i64() else { break };
        match w.get(k + 1) {
            Some(Object::Array(ws)) => {
                for (i, v) in ws.iter().enumerate() {
                    if let Ok(v) = v.as_i64() {
                        out.insert((start + i as i64) as u16, v);
                    }
                }
                k += 2;
            }
            Some(_) => {
                // `first last width` form.
                if let (Some(Ok(last)), Some(Ok(width))) = (
                    w.get(k + 1).map(|o| o.as_i64()),
                    w.get(k + 2).map(|o| o.as_i64()),
                ) {
                    for g in start..=last {
                        out.insert(g as u16, width);
                    }
                }
                k += 3;
            }
            None => break,
        }
    }
    out
}

/// The `<gid> <utf16>` pairs of a ToUnicode CMap's bfchar blocks.
fn parse_to_unicode(text: &str) -> BTreeMap<u16, String> {
    let mut out = BTreeMap::new();
    let mut in_block = false;
    for line in text.lines() {
        let line = line.trim();
        if line.ends_with("beginbfchar") {
            in_block = true;
            continue;
        }
        if line.starts_with("endbfchar") {
            in_block = false;
            continue;
        }
        if !in_block {
            continue;
        }
        let hexes: Vec<&str> = line
            .split(['<', '>'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if let [gid, uni] = hexes[..] {
            if let Ok(g) = u16::from_str_radix(gid, 16) {
                out.insert(g, uni.to_string());
            }
        }
    }
    out
}

fn to_unicode_cmap<'a>(pairs: impl Iterator<Item = (u16, &'a str)>) -> String {
    let pairs: Vec<(u16, &str)> = pairs.collect();
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    for chunk in pairs.chunks(100) {
        s.push_str(&format!("{} beginbfchar\n", chunk.len()));
        for (g, u) in chunk {
            s.push_str(&format!("<{g:04X}> <{u}>\n"));
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_strings() {
        assert_eq!(
            format!("{:?}", text_string("A. Basics")),
            format!(
                "{:?}",
                Object::String(b"A. Basics".to_vec(), StringFormat::Literal)
            )
        );
        let Object::String(bytes, _) = text_string("σ→") else {
            panic!()
        };
        assert_eq!(bytes, vec![0xFE, 0xFF, 0x03, 0xC3, 0x21, 0x92]);
    }

    #[test]
    fn widths_and_cmaps_round_trip() {
        let w = vec![
            Object::Integer(3),
            Object::Array(vec![Object::Integer(300), Object::Integer(400)]),
            Object::Integer(10),
            Object::Integer(12),
            Object::Integer(500),
        ];
        let m = parse_widths(&w);
        assert_eq!(m[&4], 400);
        assert_eq!(m[&11], 500);
        let cmap = to_unicode_cmap([(3u16, "0020"), (0x1a2, "03C3")].into_iter());
        let back = parse_to_unicode(&cmap);
        assert_eq!(back[&0x1a2], "03C3");
        assert_eq!(back.len(), 2);
    }

    #[test]
    fn scans_the_glyphs_of_text_operators() {
        let content = b"BT /F1 28.00 Tf [<0030><002f> -120 <0003>] TJ (skip <0009>) Tj /F4 9 Tf <00410042> Tj ET";
        let mut seen = Vec::new();
        scan_text_glyphs(content, |f, g| {
            seen.push((String::from_utf8_lossy(f).into_owned(), g))
        });
        let expected: Vec<(String, u16)> = [
            ("F1", 0x30),
            ("F1", 0x2f),
            ("F1", 3),
            ("F4", 0x41),
            ("F4", 0x42),
        ]
        .iter()
        .map(|(f, g)| (f.to_string(), *g))
        .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn dates() {
        assert_eq!(pdf_date("2026-11-28").as_deref(), Some("D:20261128000000Z"));
        assert_eq!(pdf_date("soon"), None);
    }
}
