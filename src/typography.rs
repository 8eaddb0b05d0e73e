//! Typography for reading, after pulldown-cmark's smart punctuation (curly
//! quotes, `--` and `---` dashes): what it leaves to do, the same on cards
//! and in the booklet. Applied to prose only, never to code or formulas; the
//! review sheet keeps the source as typed.
//!
//! - A spaced em dash is tied to the word before it, so a line never starts
//!   with the dash.
//! - A number is tied to the unit after it (`30 ms`, `12 GB`, `7 days`,
//!   `6 million`), so a line never starts with a bare unit.
//! - A hyphen between two numbers is a range, set as an en dash (`2-3`,
//!   `0.2-0.5`, `30-50ms`) with a word joiner after it, so the range is
//!   never split across lines; a run of numbers joined by hyphens (a date,
//!   `LLaMA-3-8B`) is left as written.

use std::borrow::Cow;

const NO_BREAK_SPACE: char = '\u{a0}';
const EN_DASH: char = '\u{2013}';
const EM_DASH: char = '\u{2014}';
/// Joins the two numbers of a range across the en dash, so the line does
/// not break inside the range.
const WORD_JOINER: char = '\u{2060}';

/// Words a number is tied to: units of time, data, rate and length, and
/// the words for large counts.
const UNITS: &[&str] = &[
    // time
    "ns",
    "µs",
    "μs",
    "ms",
    "s",
    "sec",
    "secs",
    "min",
    "mins",
    "h",
    "hr",
    "hrs",
    "millisecond",
    "milliseconds",
    "second",
    "seconds",
    "minute",
    "minutes",
    "hour",
    "hours",
    "day",
    "days",
    "week",
    "weeks",
    "month",
    "months",
    "year",
    "years",
    "AM",
    "PM", // data
    "B",
    "KB",
    "MB",
    "GB",
    "TB",
    "PB",
    "KiB",
    "MiB",
    "GiB",
    "TiB",
    "bit",
    "bits",
    "bytes", // rates
    "RPS",
    "TPS",
    "QPS",
    "fps", // length
    "mm",
    "cm",
    "m",
    "km", // counts
    "thousand",
    "million",
    "billion",
    "trillion",
    "lakh",
    "crore",
];

/// `text` with the ties and dashes above; borrowed when nothing changes.
pub(crate) fn refine(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|b| b.is_ascii_digit()) && !text.contains(EM_DASH) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut changed = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' && tie_space(&chars, i) {
            out.push(NO_BREAK_SPACE);
            changed = true;
        } else if (c == '-' && is_range_hyphen(&chars, i))
            || (c == EN_DASH && is_typed_range(&chars, i))
        {
            out.push(EN_DASH);
            out.push(WORD_JOINER);
            changed = true;
        } else {
            out.push(c);
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether the space at `i` ties: before a spaced em dash, or between a
/// number and its unit.
fn tie_space(chars: &[char], i: usize) -> bool {
    let next = chars.get(i + 1).copied();
    if next == Some(EM_DASH) {
        return true;
    }
    if i == 0 || !chars[i - 1].is_ascii_digit() {
        return false;
    }
    let word_end = chars[i + 1..]
        .iter()
        .position(|c| !c.is_alphanumeric())
        .map_or(chars.len(), |n| i + 1 + n);
    let word: String = chars[i + 1..word_end].iter().collect();
    UNITS.contains(&word.as_str())
}

/// Whether the en dash at `i` (typed, or `--`) stands between two digits.
fn is_typed_range(chars: &[char], i: usize) -> bool {
    i > 0 && chars[i - 1].is_ascii_digit() && chars.get(i + 1).is_some_and(char::is_ascii_digit)
}

/// Whether the hyphen at `i` joins two numbers as a range: digits on both
/// sides, neither number part of a longer hyphenated run or a word.
fn is_range_hyphen(chars: &[char], i: usize) -> bool {
    let is_number_char = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    let before = chars[..i]
        .iter()
        .rev()
        .take_while(|c| is_number_char(**c))
        .count();
    let after = chars[i + 1..]
        .iter()
        .take_while(|c| is_number_char(**c))
        .count();
    if before == 0 || after == 0 {
        return false;
    }
    let first = &chars[i - before..i];
    let second = &chars[i + 1..i + 1 + after];
    if !first.first().is_some_and(char::is_ascii_digit)
        || !second.first().is_some_and(char::is_ascii_digit)
        || !first.last().is_some_and(char::is_ascii_digit)
    {
        return false;
    }
    // What stands before the first number must not make it part of a word
    // or of a longer run (`LLaMA-3-8B`, `x86-64`, `2024-01-05`).
    let start = i - before;
    if start > 0 {
        let prev = chars[start - 1];
        if prev.is_alphanumeric() || prev == '-' || prev == '_' || prev == '/' {
            return false;
        }
    }
    // Nor what follows the second number: another hyphen and digit.
    let end = i + 1 + after;
    !(chars.get(end) == Some(&'-') && chars.get(end + 1).is_some_and(char::is_ascii_digit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_spaced_em_dashes_and_units() {
        assert_eq!(
            refine("Bias \u{2014} variance"),
            "Bias\u{a0}\u{2014} variance"
        );
        assert_eq!(
            refine("within 30 ms, 12 GB and 7 days; 6 million users"),
            "within 30\u{a0}ms, 12\u{a0}GB and 7\u{a0}days; 6\u{a0}million users"
        );
        assert_eq!(refine("at 3 PM."), "at 3\u{a0}PM.");
    }

    #[test]
    fn numbers_before_other_words_stay_apart() {
        for text in [
            "50 questions",
            "3 labelled examples",
            "2 and 3",
            "5 seeds",
            "at 10 schools",
        ] {
            assert!(matches!(refine(text), Cow::Borrowed(_)), "{text}");
        }
        // A unit is a whole word: `ms` but not `msg`.
        assert_eq!(refine("10 msgs"), "10 msgs");
    }

    #[test]
    fn ranges_get_an_en_dash() {
        assert_eq!(refine("steps 2-3 until"), "steps 2\u{2013}\u{2060}3 until");
        assert_eq!(
            refine("(typically 0.2-0.5)"),
            "(typically 0.2\u{2013}\u{2060}0.5)"
        );
        assert_eq!(refine("(0-1)"), "(0\u{2013}\u{2060}1)");
        assert_eq!(refine("30-50ms"), "30\u{2013}\u{2060}50ms");
        assert_eq!(
            refine("1536-3072 dimensional"),
            "1536\u{2013}\u{2060}3072 dimensional"
        );
        assert_eq!(refine("3\u{2013}5 days"), "3\u{2013}\u{2060}5\u{a0}days");
        assert_eq!(
            refine("1,000-2,000 rows"),
            "1,000\u{2013}\u{2060}2,000 rows"
        );
    }

    #[test]
    fn hyphenated_names_dates_and_words_keep_their_hyphens() {
        for text in [
            "LLaMA-3-8B",
            "x86-64",
            "2024-01-05",
            "GPT-4",
            "k-1 folds",
            "top-10",
            "v2-3",
            "a 1-in-10 chance",
            "file_1-2",
            "-5",
            "5-",
        ] {
            assert_eq!(refine(text), text, "{text}");
        }
    }
}
