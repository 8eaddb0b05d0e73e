//! The canonical bank in `content/`: complete, numbered as published, and
//! free of diagnostics.

use std::path::PathBuf;

use qbank::check::load_and_check;
use qbank::model::Bank;

fn real_bank() -> Bank {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("content");
    let (bank, diags) = load_and_check(&root);
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(
        diags.is_empty(),
        "diagnostics on the real bank:\n{}",
        shown.join("\n")
    );
    bank.expect("the real bank loads")
}

#[test]
fn has_fifty_questions_in_seven_sections_in_order() {
    let bank = real_bank();
    assert_eq!(bank.id, "ml-interview-prep");
    assert_eq!(bank.question_count(), 50);
    let sections: Vec<(String, usize)> = bank
        .sections
        .iter()
        .map(|s| (s.heading(), s.questions.len()))
        .collect();
    assert_eq!(
        sections,
        [
            ("A. Foundations".to_string(), 8),
            ("B. Classical ML algorithms".to_string(), 9),
            ("C. Deep learning".to_string(), 7),
            ("D. NLP and LLMs".to_string(), 8),
            ("E. MLOps and production".to_string(), 10),
            ("F. ML system design".to_string(), 6),
            ("G. Statistics".to_string(), 2),
        ]
    );
    let numbers: Vec<u32> = bank.questions().map(|(_, q)| q.number).collect();
    assert_eq!(numbers, (1..=50).collect::<Vec<u32>>());
}

#[test]
fn the_three_core_concepts_are_q3_q15_q35() {
    let bank = real_bank();
    let by_number = |n: u32| {
        bank.questions()
            .find(|(_, q)| q.number == n)
            .map(|(_, q)| q.clone())
            .unwrap()
    };
    let q3 = by_number(3);
    assert_eq!(q3.id, "overfitting");
    assert!(q3.title.contains("overfitting"));
    let q15 = by_number(15);
    assert_eq!(q15.id, "precision-recall");
    for word in ["precision", "recall", "F1", "AUC"] {
        assert!(
            q15.title.contains(word),
            "Q15 title lacks {word}: {}",
            q15.title
        );
    }
    let q35 = by_number(35);
    assert_eq!(q35.id, "training-serving-skew");
    assert!(q35.title.contains("training-serving skew"));
}

#[test]
fn every_question_has_three_non_empty_parts_and_two_to_five_tags() {
    let bank = real_bank();
    for (_, q) in bank.questions() {
        for (kind, part) in q.parts() {
            assert!(
                !part.markdown.trim().is_empty(),
                "Q{} {} is empty",
                q.number,
                kind.heading()
            );
        }
        assert!(
            (2..=5).contains(&q.tags.len()),
            "Q{} has {} tags",
            q.number,
            q.tags.len()
        );
    }
}

#[test]
fn tags_come_from_the_documented_vocabulary() {
    let bank = real_bank();
    let readme = std::fs::read_to_string(bank.root.join("README.md")).unwrap();
    for (_, q) in bank.questions() {
        for tag in &q.tags {
            assert!(
                readme.contains(&format!("| `{tag}` |")),
                "Q{} uses tag `{tag}`, which content/README.md does not document",
                q.number
            );
        }
    }
}

#[test]
fn intro_has_key_takeaways_with_matching_references() {
    let bank = real_bank();
    let intro = bank.intro.as_ref().expect("intro.md");
    assert!(intro.markdown.contains("## Key takeaways"));
    // The three to learn first, by id: the booklet prints their numbers.
    for id in ["overfitting", "precision-recall", "training-serving-skew"] {
        assert!(
            intro.markdown.contains(&format!("([](#{id}))")),
            "intro lacks a reference to {id}"
        );
        assert!(
            bank.questions().any(|(_, q)| q.id == id),
            "no question {id}"
        );
    }
    for reference in ["Section E", "Section F", "Section G"] {
        assert!(
            intro.markdown.contains(reference),
            "intro lacks {reference}"
        );
    }
}

#[test]
fn errata_entries_name_questions_of_the_bank() {
    let bank = real_bank();
    let errata = std::fs::read_to_string(bank.root.join("ERRATA.md")).expect("content/ERRATA.md");
    let ids: Vec<&str> = errata
        .lines()
        .filter_map(|l| l.strip_prefix("## `"))
        .filter_map(|l| l.split('`').next())
        .collect();
    assert!(!ids.is_empty(), "ERRATA.md has no `## `id`` entries");
    for id in ids {
        assert!(
            id == "intro.md" || bank.questions().any(|(_, q)| q.id == id),
            "ERRATA.md names `{id}`, which is not a question of the bank"
        );
    }
}

#[test]
fn the_fraud_system_is_sized_the_same_in_both_answers() {
    let bank = real_bank();
    let example = |id: &str| {
        bank.questions()
            .find(|(_, q)| q.id == id)
            .map(|(_, q)| q.example.markdown.clone())
            .unwrap()
    };
    let design = example("fraud-detection-design");
    let capacity = example("capacity-estimation");
    // 10M/day ÷ 86,400 × 10 ≈ 1,160 peak TPS; 1000/15 ms ≈ 67 RPS per pod;
    // 1,160/67 × 1.5 ≈ 26 pods.
    for text in [&design, &capacity] {
        let lower = text.to_lowercase();
        for figure in ["1,160 peak tps", "26 pods", "67 r"] {
            assert!(lower.contains(figure), "`{figure}` missing from: {text}");
        }
        assert!(
            !lower.contains("× 0.8"),
            "a utilisation factor in the cost: {text}"
        );
    }
}
#[test]
fn no_leftovers_from_the_course_the_source_belonged_to() {
    let bank = real_bank();
    let intro = bank.intro.as_ref().expect("intro.md");
    let mut texts = vec![(intro.path.clone(), intro.markdown.clone())];
    for (_, q) in bank.questions() {
        texts.push((q.path.clone(), std::fs::read_to_string(&q.path).unwrap()));
    }
    for (path, text) in texts {
        let lower = text.to_lowercase();
        for leftover in ["(module ", "this module", "chaduvuko"] {
            assert!(
                !lower.contains(leftover),
                "{} still says `{leftover}`",
                path.display()
            );
        }
    }
}
