//! Permanent identities derived from the bank id: note GUIDs and 64-bit ids.
//!
//! Nothing here depends on a question's content: editing a question never
//! changes its identity, so Anki updates the note instead of duplicating it.

use sha2::{Digest, Sha256};

/// SHA-256 over the parts joined with NUL separators, so `("ab","c")` and
/// `("a","bc")` differ.
pub(crate) fn digest(parts: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            h.update([0u8]);
        }
        h.update(p.as_bytes());
    }
    h.finalize().into()
}

/// The first 8 bytes of [`digest`] as a big-endian integer.
pub(crate) fn hash64(parts: &[&str]) -> u64 {
    let d = digest(parts);
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

/// A permanent positive 63-bit id (for notetype fields and templates).
pub(crate) fn id63(parts: &[&str]) -> i64 {
    (hash64(parts) >> 1) as i64
}

/// The GUID of a question's note: `qb` followed by the first 12 bytes of
/// SHA-256(`"qbank"`, `"note"`, bank id, question id) in lowercase hex.
pub fn note_guid(bank_id: &str, question_id: &str) -> String {
    let d = digest(&["qbank", "note", bank_id, question_id]);
    format!("qb{}", hex::encode(&d[..12]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_depends_on_bank_and_question_only() {
        let g = note_guid("ml-interview-prep", "overfitting");
        assert_eq!(g.len(), 26);
        assert_eq!(g, note_guid("ml-interview-prep", "overfitting"));
        assert_ne!(g, note_guid("ml-interview-prep", "bias-variance"));
        assert_ne!(g, note_guid("other-bank", "overfitting"));
    }

    #[test]
    fn separators_keep_parts_apart() {
        assert_ne!(hash64(&["ab", "c"]), hash64(&["a", "bc"]));
    }

    // SHA-256 computed apart from this code (Python's hashlib).
    const PINNED_X: i64 = 1_637_211_439_935_739_938;
    const PINNED_GUID: &str = "qb847487ef8478216109666bc7";

    /// Notetype field and template ids are in every learner's collection:
    /// the derivation may never change. Pinned on known inputs.
    #[test]
    fn ids_are_pinned() {
        assert_eq!(id63(&["x"]), PINNED_X);
        assert_eq!(note_guid("b", "q"), PINNED_GUID);
    }
}
