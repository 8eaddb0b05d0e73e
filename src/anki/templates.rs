//! The deck's notetype: its permanent fields and ids, the two card templates
//! (Plain English and Technical depth) and the CSS they share.

use super::note::{FIELD_NAMES, NOTICE_FIELD};
use crate::identity::id63;

use super::schema::{Field, Notetype, Template};

/// The cue on the Plain English card's front.
pub const PLAIN_CUE: &str = "Explain it to a non-technical interviewer";
/// The cue on the Technical depth card's front.
pub const TECHNICAL_CUE: &str = "Explain it to a senior ML engineer";

/// The two card templates, in `ord` order: (name, front, back).
pub(crate) fn card_templates() -> [(&'static str, String, String); 2] {
    [
        (
            "Plain English",
            front("plain", "Plain English", PLAIN_CUE),
            back("plain", "Plain English"),
        ),
        (
            "Technical depth",
            front("technical", "Technical depth", TECHNICAL_CUE),
            back("technical", "Technical depth"),
        ),
    ]
}

fn front(kind: &str, label: &str, cue: &str) -> String {
    format!(
        "<div class=\"qb-meta\">{{{{Subdeck}}}}</div>\n\
<div class=\"qb-question\">{{{{Question}}}}</div>\n\
<div class=\"qb-cue qb-cue-{kind}\"><span class=\"qb-badge qb-badge-{kind}\">{label}</span> \
<span class=\"qb-cue-text\">{cue}</span></div>\n\
{{{{#Notice}}}}<div class=\"qb-notice\">{{{{Notice}}}}</div>{{{{/Notice}}}}\n"
    )
}

fn back(kind: &str, answer_field: &str) -> String {
    format!(
        "{{{{FrontSide}}}}\n\n<hr id=answer>\n\n\
<div class=\"qb-answer qb-{kind}\">\n<div class=\"qb-label\">{answer_field}</div>\n\
{{{{{answer_field}}}}}\n</div>\n\
<div class=\"qb-example\">\n<div class=\"qb-label\">Real-world example</div>\n\
{{{{Real-world example}}}}\n</div>\n\
{{{{#Extra}}}}<div class=\"qb-extra\">{{{{Extra}}}}</div>{{{{/Extra}}}}\n"
    )
}

/// Styling shared by both templates: green Plain English box and badge, blue
/// Technical depth box and badge, the example set apart, readable lists,
/// tables and code, figures with their captions, phone widths (tables stack
/// into one small card per row below 480 px) and Anki's night mode. A bank's
/// `theme/card.css` is appended after it.
pub const CSS: &str = r#".card {
  font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 18px;
  line-height: 1.5;
  text-align: left;
  color: #1f2328;
  background-color: #ffffff;
  max-width: 46em;
  margin: 0 auto;
  padding: 0.75em;
  --qb-bg: #ffffff;
}
.qb-meta { font-size: 0.8em; color: #57606a; margin-bottom: 0.4em; }
.qb-question { font-size: 1.2em; font-weight: bold; margin-bottom: 0.6em; }
.qb-cue { color: #57606a; }
.qb-cue-text { font-style: italic; }
.qb-badge { display: inline-block; font-size: 0.75em; font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em; border-radius: 999px; padding: 0.1em 0.7em; margin-right: 0.3em; color: #ffffff; }
.qb-badge-plain { background-color: #1a7f37; }
/* Each badge is the colour of its answer box's edge. */
.qb-badge-technical { background-color: #0969da; }
.qb-notice { margin: 0.8em 0; padding: 0.5em 0.8em; border: 2px solid #cf222e; border-radius: 6px; background-color: #ffebe9; font-weight: bold; }
hr#answer { border: 0; border-top: 1px solid #d0d7de; margin: 1em 0; }
.qb-answer { border-left: 5px solid; border-radius: 6px; padding: 0.6em 0.9em; margin: 0.8em 0; }
.qb-plain { border-color: #1a7f37; --qb-bg: #eefbf1; background-color: var(--qb-bg); }
.qb-technical { border-color: #0969da; --qb-bg: #eef5ff; background-color: var(--qb-bg); }
.qb-label { font-size: 0.75em; font-weight: bold; text-transform: uppercase; letter-spacing: 0.05em; color: #57606a; margin-bottom: 0.3em; }
.qb-plain > .qb-label { color: #1a7f37; }
.qb-technical > .qb-label { color: #0969da; }
.qb-example { border: 1px dashed #bf8700; border-radius: 6px; --qb-bg: #fff8e5; background-color: var(--qb-bg); padding: 0.6em 0.9em; margin: 0.8em 0; }
.qb-extra { margin-top: 0.8em; font-size: 0.9em; }
.card p { margin: 0.4em 0; }
.card ul, .card ol { margin: 0.4em 0; padding-left: 1.4em; }
.card li { margin: 0.2em 0; }
.card h3 { font-size: 1em; margin: 0.8em 0 0.3em; }
.card code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; background-color: rgba(175, 184, 193, 0.25); border-radius: 4px; padding: 0.1em 0.3em; overflow-wrap: anywhere; }
.card pre { overflow-x: auto; background-color: rgba(175, 184, 193, 0.2); border-radius: 6px; padding: 0.6em; }
.card pre code { background: none; padding: 0; overflow-wrap: normal; }
/* A table wider than the card scrolls sideways, and shows it: a shadow on
   the side where more columns are hidden (covers that scroll with the
   content hide the shadow at either end). */
.card table {
  border-collapse: collapse; margin: 0.6em 0; display: block; overflow-x: auto; max-width: 100%;
  background:
    linear-gradient(to right, var(--qb-bg) 30%, transparent) left / 2.5em 100% no-repeat local,
    linear-gradient(to left, var(--qb-bg) 30%, transparent) right / 2.5em 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(0, 0, 0, 0.35), transparent) left / 1.1em 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(0, 0, 0, 0.35), transparent) right / 1.1em 100% no-repeat scroll;
  background-color: var(--qb-bg);
}
.card th, .card td { border: 1px solid #d0d7de; padding: 0.3em 0.6em; vertical-align: top; }
.card th { background-color: rgba(175, 184, 193, 0.2); }
.qb-figure { display: block; margin: 0.6em 0; }
.card img { max-width: 100%; height: auto; display: block; margin: 0 auto; background-color: #ffffff; border-radius: 4px; }
.qb-caption { display: block; font-size: 0.85em; font-style: italic; color: #57606a; text-align: center; margin-top: 0.3em; }
@media (max-width: 480px) {
  .card { font-size: 16px; padding: 0.4em; }
  .qb-answer, .qb-example { padding: 0.5em 0.6em; }
  .card table, .card tbody, .card tr, .card td { display: block; width: auto; }
  .card table { overflow: visible; background: none; }
  .card thead { display: none; }
  .card tr { border: 1px solid #d0d7de; border-radius: 6px; margin: 0.5em 0; padding: 0.3em 0.6em; background-color: rgba(175, 184, 193, 0.12); }
  .card td { border: 0; padding: 0.15em 0; }
  .card td[data-label]::before { content: attr(data-label) ": "; font-weight: bold; color: #57606a; }
  .card td:first-child { font-weight: bold; }
  .card td:first-child::before { font-weight: bold; }
}
.nightMode.card, .nightMode .card { color: #e6edf3; background-color: #1e1e1e; --qb-bg: #1e1e1e; }
.nightMode .qb-meta, .nightMode .qb-cue, .nightMode .qb-label, .nightMode .qb-caption { color: #9da7b3; }
.nightMode .qb-badge-plain { background-color: #3fb950; color: #0d1117; }
.nightMode .qb-badge-technical { background-color: #4493f8; color: #0d1117; }
.nightMode .qb-plain > .qb-label { color: #3fb950; }
.nightMode .qb-technical > .qb-label { color: #4493f8; }
.nightMode .qb-notice { border-color: #f85149; background-color: #3c1618; }
.nightMode hr#answer { border-top-color: #3d444d; }
.nightMode .qb-plain { border-color: #3fb950; --qb-bg: #12261a; }
.nightMode .qb-technical { border-color: #4493f8; --qb-bg: #121d2f; }
.nightMode .qb-example { border-color: #d29922; --qb-bg: #2b2111; }
.nightMode table {
  background:
    linear-gradient(to right, var(--qb-bg) 30%, transparent) left / 2.5em 100% no-repeat local,
    linear-gradient(to left, var(--qb-bg) 30%, transparent) right / 2.5em 100% no-repeat local,
    radial-gradient(farthest-side at 0 50%, rgba(255, 255, 255, 0.35), transparent) left / 1.1em 100% no-repeat scroll,
    radial-gradient(farthest-side at 100% 50%, rgba(255, 255, 255, 0.35), transparent) right / 1.1em 100% no-repeat scroll;
  background-color: var(--qb-bg);
}
@media (max-width: 480px) {
  .nightMode table { background: none; }
}
.nightMode .card code, .nightMode code { background-color: rgba(110, 118, 129, 0.4); }
.nightMode .card th, .nightMode .card td, .nightMode th, .nightMode td, .nightMode tr { border-color: #3d444d; }
.nightMode td[data-label]::before { color: #9da7b3; }
"#;

/// The editor's placeholder for a field: what it is for, and (for the fields
/// the publisher fills) that the learner's own text belongs elsewhere.
fn field_description(name: &str) -> &'static str {
    match name {
        "Id" => "The question's permanent id in the bank.",
        "Notice" => "Set by the publisher (e.g. when a question is removed from the bank).",
        "Extra" => {
            "Reserved by the publisher. Updates replace it: keep your own notes in a separate note."
        }
        _ => "",
    }
}

/// The notetype for `bank_id`, with permanent field and template ids derived
/// from the bank id and their names. `mtime` comes from the lock.
pub(crate) fn notetype(bank_id: &str, id: i64, name: &str, deck_id: i64, mtime: i64) -> Notetype {
    let flds = FIELD_NAMES
        .iter()
        .enumerate()
        .map(|(ord, name)| Field {
            name: (*name).to_string(),
            ord: ord as u16,
            sticky: false,
            rtl: false,
            font: "Arial".into(),
            size: 20,
            description: field_description(name).to_string(),
            plain_text: false,
            collapsed: matches!(*name, "Id" | "Notice" | "Extra"),
            exclude_from_search: false,
            id: id63(&["qbank", "field", bank_id, name]),
        })
        .collect();
    let tmpls = card_templates()
        .into_iter()
        .enumerate()
        .map(|(ord, (name, qfmt, afmt))| Template {
            name: name.to_string(),
            ord: ord as u16,
            qfmt,
            afmt,
            bqfmt: String::new(),
            bafmt: String::new(),
            did: None,
            bfont: String::new(),
            bsize: 0,
            id: id63(&["qbank", "template", bank_id, name]),
        })
        .collect();
    Notetype {
        id,
        name: name.to_string(),
        kind: 0,
        mtime,
        usn: 0,
        sortf: 0,
        did: deck_id,
        tmpls,
        flds,
        css: CSS.to_string(),
        latex_pre: String::new(),
        latex_post: String::new(),
        latexsvg: false,
        // What Anki computes for these fronts: a card exists when the
        // Question or the Notice is filled.
        req: vec![
            (0, "any".into(), vec![0, NOTICE_FIELD as u16]),
            (1, "any".into(), vec![0, NOTICE_FIELD as u16]),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_template_has_a_distinct_permanent_id() {
        let a = notetype("bank", 1, "n", 2, 3);
        let b = notetype("bank", 1, "n", 2, 99);
        let mut ids: Vec<i64> = a.flds.iter().map(|f| f.id).collect();
        ids.extend(a.tmpls.iter().map(|t| t.id));
        assert!(ids.iter().all(|&id| id > 0));
        let count = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), count);
        assert_eq!(a.flds, b.flds);
        assert_eq!(a.tmpls, b.tmpls);
        assert_ne!(a.flds[0].id, notetype("other", 1, "n", 2, 3).flds[0].id);
    }

    #[test]
    fn templates_name_only_existing_fields() {
        for (_, q, a) in card_templates() {
            for text in [q, a] {
                for piece in text.split("{{").skip(1) {
                    let name = piece.split("}}").next().unwrap();
                    let name = name.trim_start_matches(['#', '/', '^']);
                    assert!(
                        ["FrontSide", "Subdeck"].contains(&name) || FIELD_NAMES.contains(&name),
                        "unknown field `{name}`"
                    );
                }
            }
        }
    }

    #[test]
    fn cues_are_on_the_fronts() {
        let [(_, plain_front, _), (_, tech_front, tech_back)] = card_templates();
        assert!(plain_front.contains(PLAIN_CUE));
        assert!(tech_front.contains(TECHNICAL_CUE));
        assert!(tech_back.contains("{{Technical depth}}"));
        assert!(!tech_back.contains("{{Plain English}}"));
    }
}
