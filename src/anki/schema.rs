//! Typed serde structs for the JSON Anki keeps in the schema-11 `col` row:
//! the notetype (`models`), the decks (`decks`), the deck options (`dconf`)
//! and the collection settings (`conf`). Field names and types follow what
//! Anki's importer requires; serialising a struct always gives the same bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One notetype as stored in `col.models`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notetype {
    pub id: i64,
    pub name: String,
    /// 0 = standard (not cloze).
    #[serde(rename = "type")]
    pub kind: u8,
    /// Seconds; Anki applies an incoming notetype only when this is newer.
    #[serde(rename = "mod")]
    pub mtime: i64,
    pub usn: i32,
    /// Index of the sort field (the Question).
    pub sortf: u16,
    /// The notetype's default deck.
    pub did: i64,
    pub tmpls: Vec<Template>,
    pub flds: Vec<Field>,
    pub css: String,
    #[serde(rename = "latexPre")]
    pub latex_pre: String,
    #[serde(rename = "latexPost")]
    pub latex_post: String,
    pub latexsvg: bool,
    /// Card requirements: `[ord, "any", [field ords]]` per template.
    pub req: Vec<(u16, String, Vec<u16>)>,
}

/// One field of the notetype. `id` is permanent, so a later rename applies in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub ord: u16,
    pub sticky: bool,
    pub rtl: bool,
    pub font: String,
    pub size: u16,
    pub description: String,
    #[serde(rename = "plainText")]
    pub plain_text: bool,
    pub collapsed: bool,
    #[serde(rename = "excludeFromSearch")]
    pub exclude_from_search: bool,
    pub id: i64,
}

/// One card template. `id` is permanent, like a field's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub ord: u16,
    pub qfmt: String,
    pub afmt: String,
    pub bqfmt: String,
    pub bafmt: String,
    pub did: Option<i64>,
    pub bfont: String,
    pub bsize: u8,
    pub id: i64,
}

/// One deck as stored in `col.decks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deck {
    pub id: i64,
    /// Full name, `Parent::Child`.
    pub name: String,
    /// Description shown on the deck's overview screen (HTML).
    pub desc: String,
    #[serde(rename = "mod")]
    pub mtime: i64,
    pub usn: i32,
    #[serde(rename = "lrnToday")]
    pub lrn_today: [i64; 2],
    #[serde(rename = "revToday")]
    pub rev_today: [i64; 2],
    #[serde(rename = "newToday")]
    pub new_today: [i64; 2],
    #[serde(rename = "timeToday")]
    pub time_today: [i64; 2],
    pub collapsed: bool,
    #[serde(rename = "browserCollapsed")]
    pub browser_collapsed: bool,
    /// 0: a normal deck (not filtered).
    #[serde(rename = "dyn")]
    pub dynamic: u8,
    /// The deck options group (`dconf`) id.
    pub conf: i64,
    #[serde(rename = "extendNew")]
    pub extend_new: i64,
    #[serde(rename = "extendRev")]
    pub extend_rev: i64,
}

impl Deck {
    /// A normal deck using the options group `conf`, with empty daily counters.
    pub fn new(id: i64, name: String, desc: String, mtime: i64, conf: i64) -> Deck {
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
pub struct DeckConf {
    pub id: i64,
    #[serde(rename = "mod")]
    pub mtime: i64,
    pub name: String,
    pub usn: i32,
    #[serde(rename = "maxTaken")]
    pub max_taken: i32,
    pub autoplay: bool,
    pub timer: u8,
    pub replayq: bool,
    pub new: NewConf,
    pub rev: RevConf,
    pub lapse: LapseConf,
    #[serde(rename = "dyn")]
    pub dynamic: bool,
    /// Which new cards are gathered first (1: lowest position first).
    #[serde(rename = "newGatherPriority")]
    pub new_gather_priority: u8,
    /// How gathered new cards are sorted (1: in the order gathered).
    #[serde(rename = "newSortOrder")]
    pub new_sort_order: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewConf {
    pub bury: bool,
    pub delays: Vec<f32>,
    #[serde(rename = "initialFactor")]
    pub initial_factor: u16,
    pub ints: [u16; 3],
    /// 1: new cards in order of their position (`due`).
    pub order: u8,
    #[serde(rename = "perDay")]
    pub per_day: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevConf {
    pub bury: bool,
    pub ease4: f32,
    #[serde(rename = "ivlFct")]
    pub ivl_fct: f32,
    #[serde(rename = "maxIvl")]
    pub max_ivl: u32,
    #[serde(rename = "perDay")]
    pub per_day: u32,
    #[serde(rename = "hardFactor")]
    pub hard_factor: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LapseConf {
    pub delays: Vec<f32>,
    #[serde(rename = "leechAction")]
    pub leech_action: u8,
    #[serde(rename = "leechFails")]
    pub leech_fails: u32,
    #[serde(rename = "minInt")]
    pub min_int: u32,
    pub mult: f32,
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
    pub fn in_position_order(id: i64, name: String, mtime: i64) -> DeckConf {
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
pub struct ColConf {
    #[serde(rename = "activeDecks")]
    pub active_decks: Vec<i64>,
    #[serde(rename = "curDeck")]
    pub cur_deck: i64,
    #[serde(rename = "curModel")]
    pub cur_model: i64,
    /// The next new-card position Anki would hand out.
    #[serde(rename = "nextPos")]
    pub next_pos: i64,
    #[serde(rename = "newSpread")]
    pub new_spread: u8,
    #[serde(rename = "collapseTime")]
    pub collapse_time: u32,
    #[serde(rename = "timeLim")]
    pub time_lim: u32,
    #[serde(rename = "estTimes")]
    pub est_times: bool,
    #[serde(rename = "dueCounts")]
    pub due_counts: bool,
    #[serde(rename = "sortType")]
    pub sort_type: String,
    #[serde(rename = "sortBackwards")]
    pub sort_backwards: bool,
    #[serde(rename = "addToCur")]
    pub add_to_cur: bool,
    #[serde(rename = "schedVer")]
    pub sched_ver: u8,
}

/// `col.models`: notetypes keyed by their id as a string.
pub type Models = BTreeMap<String, Notetype>;
/// `col.decks`: decks keyed by their id as a string.
pub type Decks = BTreeMap<String, Deck>;
/// `col.dconf`: options groups keyed by their id as a string.
pub type DeckConfs = BTreeMap<String, DeckConf>;

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
