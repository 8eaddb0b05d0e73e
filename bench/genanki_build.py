#!/usr/bin/env python3
"""The genanki side of the benchmark: the same bank written by genanki 0.13.1.

Reads a qbank content folder (bank.toml, one folder per section, one Markdown
file per question), renders each part with the Python `markdown` package
(with its `tables` extension: the same CommonMark-plus-tables that qbank
reads) and writes an .apkg with the same notetype shape as qbank's deck:
8 fields (qbank's FIELD_NAMES), 2 card templates, a parent deck with one
subdeck per section.

    genanki_build.py CONTENT_DIR OUT.apkg
"""

import hashlib
import sys
import tomllib
from pathlib import Path

import genanki
import markdown

FIELD_NAMES = [
    "Question",
    "Plain English",
    "Technical depth",
    "Real-world example",
    "Section",
    "Number",
    "Id",
    "Extra",
]
PARTS = ["Plain English", "Technical depth", "Real-world example"]


def stable_id(*parts):
    """A deck/model id from names, as qbank derives its ids (not the same values)."""
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return 1_262_304_000_000 + int.from_bytes(digest[:8], "big") % 315_532_800_000


def front(kind, cue):
    return (
        '<div class="qb-meta"><span class="qb-section">{{Section}}</span> '
        '<span class="qb-number">Q{{Number}}</span></div>\n'
        '<div class="qb-question">{{Question}}</div>\n'
        f'<div class="qb-cue qb-cue-{kind}">{cue}</div>\n'
    )


def back(kind, field):
    return (
        "{{FrontSide}}\n\n<hr id=answer>\n\n"
        f'<div class="qb-answer qb-{kind}">\n<div class="qb-label">{field}</div>\n'
        f"{{{{{field}}}}}\n</div>\n"
        '<div class="qb-example">\n<div class="qb-label">Real-world example</div>\n'
        "{{Real-world example}}\n</div>\n"
        '{{#Extra}}<div class="qb-extra">{{Extra}}</div>{{/Extra}}\n'
    )


def parse_question(text):
    """(id, tags, title, {part: markdown}) from a question file."""
    lines = text.split("\n")
    assert lines[0].strip() == "+++", "front matter"
    end = lines.index("+++", 1)
    front_matter = tomllib.loads("\n".join(lines[1:end]))
    title = None
    parts = {}
    current = None
    for line in lines[end + 1 :]:
        if line.startswith("# ") and title is None:
            title = line[2:].strip()
        elif line.startswith("## ") and line[3:].strip() in PARTS:
            current = line[3:].strip()
            parts[current] = []
        elif current is not None:
            parts[current].append(line)
    parts = {k: "\n".join(v).strip() for k, v in parts.items()}
    return front_matter["id"], front_matter.get("tags", []), title, parts


def main(content, out):
    content = Path(content)
    bank = tomllib.loads((content / "bank.toml").read_text(encoding="utf-8"))
    md = markdown.Markdown(extensions=["tables"])
    render = lambda s: md.reset().convert(s)  # noqa: E731
    model = genanki.Model(
        stable_id("model", bank["id"]),
        f"{bank['title']} (genanki)",
        fields=[{"name": n} for n in FIELD_NAMES],
        templates=[
            {"name": "Plain English", "qfmt": front("plain", "Explain it to a non-technical interviewer"), "afmt": back("plain", "Plain English")},
            {"name": "Technical depth", "qfmt": front("technical", "Explain it to a senior ML engineer"), "afmt": back("technical", "Technical depth")},
        ],
        css=".card { font-family: sans-serif; font-size: 18px; text-align: left; }",
    )
    parent = genanki.Deck(stable_id("deck", bank["id"]), bank["title"])
    decks = [parent]
    number = 0
    for section in bank["sections"]:
        heading = f"{section['letter']}. {section['title']}"
        deck = genanki.Deck(stable_id("deck", bank["id"], section["id"]), f"{bank['title']}::{heading}")
        decks.append(deck)
        for path in sorted((content / section["dir"]).glob("*.md")):
            number += 1
            qid, tags, title, parts = parse_question(path.read_text(encoding="utf-8"))
            fields = [
                md.reset().convert(title).removeprefix("<p>").removesuffix("</p>"),
                render(parts["Plain English"]),
                render(parts["Technical depth"]),
                render(parts["Real-world example"]),
                heading,
                str(number),
                qid,
                "",
            ]
            tags = [f"{bank['id']}::{t}" for t in tags] + [f"{bank['id']}::section::{section['id']}"]
            deck.add_note(
                genanki.Note(
                    model=model,
                    fields=fields,
                    tags=tags,
                    guid=genanki.guid_for(bank["id"], qid),
                    due=number * 10,
                )
            )
    genanki.Package(decks).write_to_file(out)
    print(f"genanki: {number} notes written to {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
