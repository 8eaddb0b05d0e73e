//! Helpers for the review CSV tests: a temporary copy of the good fixture
//! bank, running `qbank`, reading and writing sheets the way spreadsheets
//! save them, and snapshots of a content folder to prove nothing changed.

#![allow(dead_code)]

use crate::common::copy_dir;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use qbank::review_csv::formula;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn qbank(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qbank"))
        .args(args)
        .output()
        .expect("run qbank")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A temporary folder holding `content/` (a copy of `bank`) and `out/`.
pub fn bank_copy(bank: &Path) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    copy_dir(bank, &content);
    let out = tmp.path().join("out");
    (tmp, content, out)
}

/// A temporary copy of `tests/fixtures/good`, with an `out/` folder beside it.
pub fn content_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    bank_copy(&repo().join("tests/fixtures/good"))
}

/// `qbank build --format csv`; returns the sheet's path.
pub fn build_csv(content: &Path, out: &Path) -> PathBuf {
    let result = qbank(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let bank_id = qbank::load::load(content).bank.unwrap().id;
    let path = out.join(format!("{bank_id}.csv"));
    assert!(path.is_file(), "no sheet at {}", path.display());
    path
}

pub fn apply_csv(sheet: &Path, content: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply-csv",
        sheet.to_str().unwrap(),
        "--content",
        content.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    qbank(&args)
}

/// A sheet's cells as a spreadsheet holds them (text markers included).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Parse a CSV with the plain `csv` crate, as any spreadsheet would: BOM
/// dropped, separator from the header line.
pub fn read_sheet(bytes: &[u8]) -> Sheet {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap();
    let delimiter = if first_line.contains(&b';') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .from_reader(bytes);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    Sheet { header, rows }
}

/// How a spreadsheet saves: BOM or not, separator, record terminator.
#[derive(Debug, Clone, Copy)]
pub struct SheetFormat {
    pub bom: bool,
    pub delimiter: u8,
    pub crlf: bool,
}

impl SheetFormat {
    /// Excel's "CSV UTF-8": BOM, commas, CRLF.
    pub const EXCEL: SheetFormat = SheetFormat {
        bom: true,
        delimiter: b',',
        crlf: true,
    };
    /// A European-locale LibreOffice save: no BOM, semicolons, LF.
    pub const SEMICOLON_LF: SheetFormat = SheetFormat {
        bom: false,
        delimiter: b';',
        crlf: false,
    };
    /// Google Sheets' download: no BOM, commas, LF.
    pub const COMMA_LF_NO_BOM: SheetFormat = SheetFormat {
        bom: false,
        delimiter: b',',
        crlf: false,
    };
}

pub fn write_sheet(path: &Path, sheet: &Sheet, format: SheetFormat) {
    let mut bytes = if format.bom {
        b"\xEF\xBB\xBF".to_vec()
    } else {
        Vec::new()
    };
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(format.delimiter)
            .terminator(if format.crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(&mut bytes);
        w.write_record(&sheet.header).unwrap();
        for row in &sheet.rows {
            w.write_record(row).unwrap();
        }
        w.flush().unwrap();
    }
    fs::write(path, bytes).unwrap();
}

/// Change one cell the way a reviewer would: `change` gets the answer text
/// (text marker removed) and returns the new text, which is stored with the
/// marker if it needs one. Returns the old text.
pub fn edit_cell(
    sheet: &mut Sheet,
    id: &str,
    column: &str,
    change: impl FnOnce(&str) -> String,
) -> String {
    let id_col = sheet.header.iter().position(|h| h == "id").unwrap();
    let col = sheet.header.iter().position(|h| h == column).unwrap();
    let row = sheet
        .rows
        .iter_mut()
        .find(|r| r[id_col] == id)
        .unwrap_or_else(|| panic!("no row with id {id}"));
    let old = formula::restore(&row[col]).to_string();
    row[col] = formula::neutralise(&change(&old));
    old
}

/// Every file under `dir` with its bytes and permission bits.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut files = BTreeMap::new();
    fn walk(dir: &Path, files: &mut BTreeMap<PathBuf, (Vec<u8>, u32)>) {
        for entry in fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), files);
            } else {
                use std::os::unix::fs::PermissionsExt;
                let mode = entry.metadata().unwrap().permissions().mode();
                files.insert(entry.path(), (fs::read(entry.path()).unwrap(), mode));
            }
        }
    }
    walk(dir, &mut files);
    files
}

/// Put answers that a spreadsheet would read as formulas into the copy.
pub fn make_formula_like(content: &Path) {
    let overfitting = content.join("a-basics/01-overfitting.md");
    let text = fs::read_to_string(&overfitting).unwrap().replace(
        "Overfitting is when your model memorises",
        "=SUM(A1:A9) is text here. Overfitting is when your model memorises",
    );
    fs::write(&overfitting, text).unwrap();
    let linear = content.join("b-models/01-linear-regression.md");
    let text = fs::read_to_string(&linear)
        .unwrap()
        .replace(
            "It draws the straight line that best fits the points.",
            "- It draws the straight line that best fits the points.\n- It is fast.",
        )
        .replace("Swiggy predicts", "@Swiggy (as its engineers say) predicts")
        .replace("# How does", "# +1 if you know: how does");
    fs::write(&linear, text).unwrap();
}

/// `qbank build --format xlsx`; returns the workbook's path.
pub fn build_xlsx(content: &Path, out: &Path) -> PathBuf {
    let result = qbank(&[
        "build",
        "--content",
        content.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "xlsx",
    ]);
    assert_eq!(result.status.code(), Some(0), "{}", stderr(&result));
    let bank_id = qbank::load::load(content).bank.unwrap().id;
    let path = out.join(format!("{bank_id}.xlsx"));
    assert!(path.is_file(), "no workbook at {}", path.display());
    path
}

/// `qbank apply FILE --content DIR [extra]`.
pub fn apply(sheet: &Path, content: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply",
        sheet.to_str().unwrap(),
        "--content",
        content.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    qbank(&args)
}

/// The openpyxl version the workbook tests use.
pub const OPENPYXL_VERSION: &str = "3.1.5";

fn has_openpyxl(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            &format!(
                "import importlib.metadata as m, openpyxl; \
                 assert m.version('openpyxl') == '{OPENPYXL_VERSION}', m.version('openpyxl')"
            ),
        ])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A Python with `openpyxl`: `$QBANK_ANKI_PYTHON` when set, else the test
/// venv `target/anki-venv` (the one the deck tests use), where openpyxl is
/// installed on first use. Fails loudly when it cannot be had.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("QBANK_ANKI_PYTHON") {
        let p = PathBuf::from(p);
        assert!(
            has_openpyxl(&p),
            "QBANK_ANKI_PYTHON={} does not have openpyxl=={OPENPYXL_VERSION}",
            p.display()
        );
        return p;
    }
    let target = repo().join("target");
    let venv = target.join("anki-venv");
    let python = venv.join("bin/python");
    if has_openpyxl(&python) {
        return python;
    }
    fs::create_dir_all(&target).unwrap();
    let guard = fs::File::create(target.join("anki-venv.lock")).unwrap();
    guard.lock().expect("cannot lock target/anki-venv.lock");
    if !has_openpyxl(&python) {
        if !python.exists() {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .expect("python3 -m venv (needs python3-venv)");
            assert!(made.success(), "cannot create {}", venv.display());
        }
        let pip = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                &format!("openpyxl=={OPENPYXL_VERSION}"),
            ])
            .status()
            .expect("pip");
        assert!(pip.success(), "cannot install openpyxl (needs network)");
    }
    python
}

/// Run a Python script with openpyxl; its arguments follow. Returns stdout.
pub fn run_python(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "python failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Makes a folder unwritable for the test's life, also for root (which
/// writes through permission bits): `chattr +i` as root (Debian's
/// e2fsprogs), mode 0555 otherwise.
pub struct Unwritable(PathBuf);

impl Unwritable {
    pub fn new(dir: &Path) -> Unwritable {
        if is_root() {
            let status = Command::new("chattr").arg("+i").arg(dir).status().expect(
                "`chattr` is needed to make a folder unwritable for root: apt-get install e2fsprogs",
            );
            assert!(status.success(), "chattr +i {} failed", dir.display());
        } else {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
        }
        Unwritable(dir.to_path_buf())
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        if is_root() {
            let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
        } else {
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
        }
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("run id -u");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}
