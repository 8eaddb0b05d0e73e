//! Typed serde structs for the JSON Anki keeps in the schema-11 `col` row:
//! the notetype (`models`), the decks (`decks`), the deck options (`dconf`)
//! and the collection settings (`conf`). Field names and types follow what
//! Anki's importer requires; serialising a struct always gives the same bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One notetype as stored in `col.models`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Notetype {
    pub(crate) id: i64,
    pub(crate) name: String,
    /// 0 = standard (not cloze).
    #[serde(rename = "type")]
    pub(crate) kind: u8,
    /// Seconds; Anki applies an incoming notetype only when this is newer.
    #[serde(rename = "mod")]
    pub(crate) mtime: i64,
    pub(crate) usn: i32,
    /// Index of the sort field (the Question).
    pub(crate) sortf: u16,
    /// The notetype's default deck.
    pub(crate) did: i64,
    pub(crate) tmpls: Vec<Template>,
    pub(crate) flds: Vec<Field>,
    pub(crate) css: String,
    #[serde(rename = "latexPre")]
    pub(crate) latex_pre: String,
    #[serde(rename = "latexPost")]
    pub(crate) latex_post: String,
    pub(crate) latexsvg: bool,
    /// Card requirements: `[ord, "any", [field ords]]` per template.
    pub(crate) req: Vec<(u16, String, Vec<u16>)>,
}

/// One field of the notetype. `id` is permanent, so a later rename applies in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // Anki's own JSON: its flags are bools.
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) ord: u16,
    pub(crate) sticky: bool,
    pub(crate) rtl: bool,
    pub(crate) font: String,
    pub(crate) size: u16,
    pub(crate) description: String,
    #[serde(rename = "plainText")]
    pub(crate) plain_text: bool,
    pub(crate) collapsed: bool,
    #[serde(rename = "excludeFromSearch")]
    pub(crate) exclude_from_search: bool,
    pub(crate) id: i64,
}

/// One card template. `id` is permanent, like a field's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Template {
    pub(crate) name: String,
    pub(crate) ord: u16,
    pub(crate) qfmt: String,
    pub(crate) afmt: String,
    pub(crate) bqfmt: String,
    pub(crate) bafmt: String,
    pub(crate) did: Option<i64>,
    pub(crate) bfont: String,
    pub(crate) bsize: u8,
    pub(crate) id: i64,
}

/// One deck as stored in `col.decks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Deck {
    pub(crate) id: i64,
    /// Full name, `Parent::Child`.
    pub(crate) name: String,
    /// Description shown on the deck's overview screen (HTML).
    pub(crate) desc: String,
    #[serde(rename = "mod")]
    pub(crate) mtime: i64,
    pub(crate) usn: i32,
    #[serde(rename = "lrnToday")]
    pub(crate) lrn_today: [i64; 2],
    #[serde(rename = "revToday")]
    pub(crate) rev_today: [i64; 2],
    #[serde(rename = "newToday")]
    pub(crate) new_today: [i64; 2],
    #[serde(rename = "timeToday")]
    pub(crate) time_today: [i64; 2],
    pub(crate) collapsed: bool,
    #[serde(rename = "browserCollapsed")]
    pub(crate) browser_collapsed: bool,
    /// 0: a normal deck (not filtered).
    #[serde(rename = "dyn")]
    pub(crate) dynamic: u8,
    /// The deck options group (`dconf`) id.
    pub(crate) conf: i64,
    #[serde(rename = "extendNew")]
    pub(crate) extend_new: i64,
    #[serde(rename = "extendRev")]
    pub(crate) extend_rev: i64,
}

impl Deck {
    /// A normal deck using the options group `conf`, with empty daily counters.
    pub(crate) fn new(id: i64, name: String, desc: String, mtime: i64, conf: i64) -> Deck {
        Deck {
            id,
            name,
            desc,
            mtime,
            usn: 0,
            lrn_today: [0, 0],
            rev_today: [0, 0],
            new_today: [0, 0],
            time_today: [0, 0],
            collapsed: false,
            browser_collapsed: false,
            dynamic: 0,
            conf,
            extend_new: 0,
            extend_rev: 0,
        }
    }
}

/// A deck options group (`col.dconf`), Anki's defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DeckConf {
    pub(crate) id: i64,
    #[serde(rename = "mod")]
    pub(crate) mtime: i64,
    pub(crate) name: String,
    pub(crate) usn: i32,
    #[serde(rename = "maxTaken")]
    pub(crate) max_taken: i32,
    pub(crate) autoplay: bool,
    pub(crate) timer: u8,
    pub(crate) replayq: bool,
    pub(crate) new: NewConf,
    pub(crate) rev: RevConf,
    pub(crate) lapse: LapseConf,
    #[serde(rename = "dyn")]
    pub(crate) dynamic: bool,
    /// Which new cards are gathered first (1: lowest position first).
    #[serde(rename = "newGatherPriority")]
    pub(crate) new_gather_priority: u8,
    /// How gathered new cards are sorted (1: in the order gathered).
    #[serde(rename = "newSortOrder")]
    pub(crate) new_sort_order: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct NewConf {
    pub(crate) bury: bool,
    pub(crate) delays: Vec<f32>,
    #[serde(rename = "initialFactor")]
    pub(crate) initial_factor: u16,
    pub(crate) ints: [u16; 3],
    /// 1: new cards in order of their position (`due`).
    pub(crate) order: u8,
    #[serde(rename = "perDay")]
    pub(crate) per_day: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RevConf {
    pub(crate) bury: bool,
    pub(crate) ease4: f32,
    #[serde(rename = "ivlFct")]
    pub(crate) ivl_fct: f32,
    #[serde(rename = "maxIvl")]
    pub(crate) max_ivl: u32,
    #[serde(rename = "perDay")]
    pub(crate) per_day: u32,
    #[serde(rename = "hardFactor")]
    pub(crate) hard_factor: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LapseConf {
    pub(crate) delays: Vec<f32>,
    #[serde(rename = "leechAction")]
    pub(crate) leech_action: u8,
    #[serde(rename = "leechFails")]
    pub(crate) leech_fails: u32,
    #[serde(rename = "minInt")]
    pub(crate) min_int: u32,
    pub(crate) mult: f32,
}

impl Default for DeckConf {
    /// Anki's own default options group (id 1).
    fn default() -> DeckConf {
        DeckConf {
            id: 1,
            mtime: 0,
            name: "Default".into(),
            usn: 0,
            max_taken: 60,
            autoplay: true,
            timer: 0,
            replayq: true,
            new: NewConf {
                bury: false,
                delays: vec![1.0, 10.0],
                initial_factor: 2500,
                ints: [1, 4, 0],
                order: 1,
                per_day: 20,
            },
            rev: RevConf {
                bury: false,
                ease4: 1.3,
                ivl_fct: 1.0,
                max_ivl: 36500,
                per_day: 200,
                hard_factor: 1.2,
            },
            lapse: LapseConf {
                delays: vec![10.0],
                leech_action: 1,
                leech_fails: 8,
                min_int: 1,
                mult: 0.0,
            },
            dynamic: false,
            new_gather_priority: 0,
            new_sort_order: 0,
        }
    }
}

impl DeckConf {
    /// A preset that shows new cards strictly by position: question by
    /// question, each question's Plain English card before its Technical
    /// depth card. (Anki's default preset shows every Plain card of the
    /// day's batch before any Technical card.)
    pub(crate) fn in_position_order(id: i64, name: String, mtime: i64) -> DeckConf {
        DeckConf {
            id,
            name,
            mtime,
            new_gather_priority: 1,
            new_sort_order: 1,
            ..DeckConf::default()
        }
    }
}

/// The collection settings (`col.conf`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[allow(clippy::struct_excessive_bools)] // Anki's own JSON: its flags are bools.
pub(crate) struct ColConf {
    #[serde(rename = "activeDecks")]
    pub(crate) active_decks: Vec<i64>,
    #[serde(rename = "curDeck")]
    pub(crate) cur_deck: i64,
    #[serde(rename = "curModel")]
    pub(crate) cur_model: i64,
    /// The next new-card position Anki would hand out.
    #[serde(rename = "nextPos")]
    pub(crate) next_pos: i64,
    #[serde(rename = "newSpread")]
    pub(crate) new_spread: u8,
    #[serde(rename = "collapseTime")]
    pub(crate) collapse_time: u32,
    #[serde(rename = "timeLim")]
    pub(crate) time_lim: u32,
    #[serde(rename = "estTimes")]
    pub(crate) est_times: bool,
    #[serde(rename = "dueCounts")]
    pub(crate) due_counts: bool,
    #[serde(rename = "sortType")]
    pub(crate) sort_type: String,
    #[serde(rename = "sortBackwards")]
    pub(crate) sort_backwards: bool,
    #[serde(rename = "addToCur")]
    pub(crate) add_to_cur: bool,
    #[serde(rename = "schedVer")]
    pub(crate) sched_ver: u8,
}

/// `col.models`: notetypes keyed by their id as a string.
pub(crate) type Models = BTreeMap<String, Notetype>;
/// `col.decks`: decks keyed by their id as a string.
pub(crate) type Decks = BTreeMap<String, Deck>;
/// `col.dconf`: options groups keyed by their id as a string.
pub(crate) type DeckConfs = BTreeMap<String, DeckConf>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deck_has_every_key_the_importer_requires() {
        let v = serde_json::to_value(Deck::new(5, "A::B".into(), String::new(), 1, 1)).unwrap();
        for key in [
            "id",
            "name",
            "usn",
            "lrnToday",
            "revToday",
            "newToday",
            "timeToday",
            "collapsed",
            "dyn",
            "conf",
        ] {
            assert!(v.get(key).is_some(), "deck JSON lacks `{key}`");
        }
    }

    #[test]
    fn options_group_round_trips() {
        let conf = DeckConf::default();
        let json = serde_json::to_string(&conf).unwrap();
        let back: DeckConf = serde_json::from_str(&json).unwrap();
        assert_eq!(back, conf);
        assert_eq!(serde_json::to_string(&back).unwrap(), json);
    }
}
