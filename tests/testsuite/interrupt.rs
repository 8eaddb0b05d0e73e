//! A build killed mid-write (SIGKILL, as a power cut or an impatient
//! Ctrl-\ leaves it) never damages what an earlier build wrote: every output
//! in `out/` and `bank.lock` is either the earlier file, byte for byte, or
//! the new build's complete file, and the deck never runs ahead of the lock.
//! Leftovers are only clearly named `.qbank-*.tmp` entries, which a later
//! build removes once they are old.

use crate::common;
use common::copy_dir;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Questions in the generated bank: large enough that a debug build takes
/// a few seconds, so the kills land in every stage.
const QUESTIONS: usize = 3000;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Write a bank of `QUESTIONS` questions, variants of the canonical bank's,
/// into `dir`. `edition` changes every question's example, so two editions
/// differ in every note.
fn write_bank(dir: &Path, edition: &str) {
    let source = repo().join("content");
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(source.join("bank.toml"), dir.join("bank.toml")).unwrap();
    if source.join("media").is_dir() {
        copy_dir(&source.join("media"), &dir.join("media"));
    }
    let toml = std::fs::read_to_string(source.join("bank.toml")).unwrap();
    let dirs: Vec<String> = toml
        .lines()
        .filter_map(|l| l.strip_prefix("dir = \""))
        .map(|d| d.trim_end_matches('"').to_string())
        .collect();
    let mut templates = Vec::new();
    for d in &dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(source.join(d))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        files.sort();
        for f in files {
            templates.push((d.clone(), std::fs::read_to_string(f).unwrap()));
        }
    }
    assert!(
        !templates.is_empty(),
        "the canonical bank has no questions yet"
    );
    // The intro's cross-references point at the first copy of each question.
    if let Ok(mut intro) = std::fs::read_to_string(source.join("intro.md")) {
        for (t, (_, text)) in templates.iter().enumerate() {
            let id_line = text.lines().find(|l| l.starts_with("id = \"")).unwrap();
            let id = id_line.trim_start_matches("id = \"").trim_end_matches('"');
            intro = intro.replace(&format!("](#{id})"), &format!("](#{id}-{t:05})"));
        }
        std::fs::write(dir.join("intro.md"), intro).unwrap();
    }
    for i in 0..QUESTIONS {
        let (section, text) = &templates[i % templates.len()];
        let id_line = text.lines().find(|l| l.starts_with("id = \"")).unwrap();
        let id = id_line.trim_start_matches("id = \"").trim_end_matches('"');
        let text = text
            .replacen(id_line, &format!("id = \"{id}-{i:05}\""), 1)
            .replacen(
                "## Real-world example\n",
                &format!("## Real-world example\n\n{edition} {i}.\n"),
                1,
            );
        std::fs::create_dir_all(dir.join(section)).unwrap();
        std::fs::write(dir.join(section).join(format!("{i:05}-{id}.md")), text).unwrap();
    }
}

fn qbank(root: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qbank"));
    // The deck and the sheet: a debug build of the booklet for 3,000
    // questions takes minutes (it writes through the same atomic writer).
    cmd.args([
        "build",
        "--content",
        "content",
        "--out",
        "out",
        "--format",
        "apkg,csv",
    ])
    .current_dir(root)
    .env("SOURCE_DATE_EPOCH", "1767225600")
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    cmd
}

fn build(root: &Path) {
    let out = qbank(root).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file of `out/`, plus the lock, with its bytes (`.qbank-*.tmp`
/// entries apart, listed in the second map).
type Files = BTreeMap<String, Vec<u8>>;

fn files(root: &Path) -> (Files, Vec<String>) {
    let mut outputs = Files::new();
    let mut temporaries = Vec::new();
    for entry in std::fs::read_dir(root.join("out")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".qbank-") && name.ends_with(".tmp") {
            temporaries.push(name);
        } else {
            outputs.insert(name, std::fs::read(entry.path()).unwrap());
        }
    }
    for entry in std::fs::read_dir(root.join("content")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with(".qbank-") {
            temporaries.push(format!("content/{name}"));
        }
    }
    outputs.insert(
        "bank.lock".into(),
        std::fs::read(root.join("content/bank.lock")).unwrap(),
    );
    (outputs, temporaries)
}

#[test]
fn a_killed_build_leaves_every_earlier_output_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("bank");
    write_bank(&root.join("content"), "First edition");
    build(&root);
    let (before, leftovers) = files(&root);
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert_eq!(before.len(), 3, "{:?}", before.keys()); // deck, sheet, lock

    // The next edition, built to the end elsewhere: what a finished build writes.
    let finished = tmp.path().join("finished");
    copy_dir(&root, &finished);
    write_bank(&finished.join("content"), "Second edition");
    let started = Instant::now();
    build(&finished);
    let full_build = started.elapsed();
    let (after, _) = files(&finished);
    for name in before.keys() {
        assert_ne!(
            before[name], after[name],
            "{name} does not change between editions"
        );
    }

    write_bank(&root.join("content"), "Second edition");
    // Kill points spread over the whole build, from loading to the last rename.
    let mut outcomes = Vec::new();
    for step in 1..=12u32 {
        let delay = full_build * step / 12;
        let mut child = qbank(&root).spawn().unwrap();
        std::thread::sleep(delay);
        let killed = child.try_wait().unwrap().is_none();
        child.kill().ok();
        child.wait().unwrap();

        let (now, temporaries) = files(&root);
        let mut state = Vec::new();
        for (name, bytes) in &now {
            let which = if bytes == &before[name] {
                "earlier"
            } else if bytes == &after[name] {
                "new"
            } else {
                panic!("{name} is neither the earlier nor the new file after a kill at {delay:?}");
            };
            state.push(format!("{name}={which}"));
        }
        assert_eq!(
            now.len(),
            before.len(),
            "an output vanished: {:?}",
            now.keys()
        );
        // The deck is stamped from the lock: it never moves on without it.
        let apkg = now.keys().find(|n| n.ends_with(".apkg")).unwrap();
        assert!(
            now[apkg] == before[apkg] || now["bank.lock"] == after["bank.lock"],
            "the deck was replaced but the lock was not (kill at {delay:?})"
        );
        outcomes.push(format!(
            "{delay:?} killed={killed}: {} leftovers={temporaries:?}",
            state.join(" ")
        ));
        // Back to the earlier files for the next kill.
        for (name, bytes) in &before {
            let path = if name == "bank.lock" {
                root.join("content/bank.lock")
            } else {
                root.join("out").join(name)
            };
            std::fs::write(path, bytes).unwrap();
        }
    }
    eprintln!("full build {full_build:?}\n{}", outcomes.join("\n"));
    assert!(
        outcomes
            .iter()
            .filter(|o| o.contains("killed=true"))
            .count()
            >= 6,
        "too few kills landed mid-build: {outcomes:#?}"
    );

    // A later build finishes the job; once they are an hour old, it also
    // removes what the killed builds left.
    let hour_ago = std::time::SystemTime::now() - Duration::from_hours(2);
    for dir in [root.join("out"), root.join("content")] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".qbank-")
            {
                std::fs::File::open(&path)
                    .unwrap()
                    .set_modified(hour_ago)
                    .unwrap();
            }
        }
    }
    build(&root);
    let (now, temporaries) = files(&root);
    assert_eq!(
        now, after,
        "the build after the kills differs from a clean one"
    );
    assert!(temporaries.is_empty(), "{temporaries:?}");
}
