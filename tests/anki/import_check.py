#!/usr/bin/env python3
"""Drive Anki's real importer (the `anki` package from PyPI, Anki's own Rust
backend) for qbank's deck tests, and print what it saw as JSON.

Usage:
  import_check.py import COLLECTION APKG   import with Anki's default options
  import_check.py import-presets COLLECTION APKG
                                           the same, with "Import any deck presets" ticked
  import_check.py state COLLECTION         notes, cards, decks, notetypes, media
  import_check.py study COLLECTION EASES   answer the next cards, e.g. "4,3,4"
  import_check.py learner-tag COLLECTION QUESTION_ID TAG
                                           the learner adds a tag to a note
  import_check.py check COLLECTION         run Check Database
  import_check.py find-cards COLLECTION SEARCH
                                           the question ids of the cards a Browser search finds
  import_check.py render COLLECTION QUESTION_ID
                                           both cards of a note as Anki renders them,
                                           with the notetype's CSS
  import_check.py edit COLLECTION QUESTION_ID FIELD TEXT
                                           the learner appends TEXT to a field

COLLECTION is created when it does not exist. Notes are reported by their
question id (the notetype's `Id` field).
"""

import hashlib
import json
import os
import sys

from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

ID_FIELD = "Id"
# The Id field's place in the notetype (import logs give values without names).
ID_INDEX = 4
NEW_ORDER_LIMIT = 8


def question_id(fields, names=None):
    """The question id among a note's field values."""
    if names is not None and ID_FIELD in names:
        return fields[names.index(ID_FIELD)]
    return fields[ID_INDEX] if len(fields) > ID_INDEX else "?"


def parent_decks(col):
    """Top-level decks other than Default that have subdecks."""
    names = [d.name for d in col.decks.all_names_and_ids()]
    return sorted(
        n for n in names if "::" not in n and any(m.startswith(n + "::") for m in names)
    )


def state(col):
    decks = {d.id: d.name for d in col.decks.all_names_and_ids()}
    notetypes = []
    names_by_ntid = {}
    for m in col.models.all():
        names = [f["name"] for f in m["flds"]]
        names_by_ntid[m["id"]] = names
        notetypes.append(
            {
                "id": m["id"],
                "name": m["name"],
                "mod": m["mod"],
                "css_sha256": hashlib.sha256(m["css"].encode()).hexdigest(),
                "fields": names,
                "field_ids": [f.get("id") for f in m["flds"]],
                "collapsed_fields": [f["name"] for f in m["flds"] if f.get("collapsed")],
                "templates": [t["name"] for t in m["tmpls"]],
                "template_ids": [t.get("id") for t in m["tmpls"]],
            }
        )
    notes = {}
    qid_by_nid = {}
    for nid, guid, mid, mod, tags, flds, sfld, csum in col.db.all(
        "select id, guid, mid, mod, tags, flds, sfld, csum from notes order by id"
    ):
        values = flds.split("\x1f")
        names = names_by_ntid.get(mid, [])
        qid = question_id(values, names)
        qid_by_nid[nid] = qid
        notes[qid] = {
            "id": nid,
            "guid": guid,
            "mod": mod,
            "tags_column": tags,
            "fields": dict(zip(names, values)),
            "sfld": str(sfld),
            "csum": csum,
            "notetype": next((n["name"] for n in notetypes if n["id"] == mid), None),
        }
    revlog = dict(col.db.all("select cid, count(*) from revlog group by cid"))
    cards = []
    for cid, nid, did, ord_, ctype, queue, due, ivl, factor, reps, lapses in col.db.all(
        "select id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses"
        " from cards order by id"
    ):
        cards.append(
            {
                "id": cid,
                "question": qid_by_nid.get(nid),
                "ord": ord_,
                "deck": decks.get(did),
                "type": ctype,
                "queue": queue,
                "due": due,
                "ivl": ivl,
                "factor": factor,
                "reps": reps,
                "lapses": lapses,
                "revlog": revlog.get(cid, 0),
            }
        )
    new_order = []
    parents = parent_decks(col)
    if parents:
        col.decks.select(col.decks.id_for_name(parents[0]))
        queued = col.sched.get_queued_cards(fetch_limit=NEW_ORDER_LIMIT)
        for q in queued.cards:
            new_order.append(
                [qid_by_nid.get(q.card.note_id), q.card.template_idx, q.queue]
            )
    rendered = {}
    for cid, qid_, ord_ in [(c["id"], c["question"], c["ord"]) for c in cards]:
        if new_order and qid_ == new_order[0][0]:
            card = col.get_card(cid)
            rendered[str(ord_)] = {"question": card.question(), "answer": card.answer()}
    descriptions = {
        d.name: col.decks.get(d.id).get("desc", "") for d in col.decks.all_names_and_ids()
    }
    media_dir = col.media.dir()
    media = {}
    for name in sorted(os.listdir(media_dir)):
        path = os.path.join(media_dir, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                media[name] = hashlib.sha256(f.read()).hexdigest()
    return {
        "note_count": col.note_count(),
        "card_count": col.card_count(),
        "notes": notes,
        "cards": cards,
        "revlog_count": col.db.scalar("select count(*) from revlog"),
        "decks": sorted(decks.values()),
        "parent_decks": parents,
        "notetypes": notetypes,
        "media": media,
        "new_order": new_order,
        "first_question_rendered": rendered,
        "deck_descriptions": descriptions,
    }


def import_package(col, apkg, with_deck_configs=False):
    options = ImportAnkiPackageOptions(with_deck_configs=with_deck_configs)
    request = ImportAnkiPackageRequest(
        package_path=os.path.abspath(apkg), options=options
    )
    log = col.import_anki_package(request).log

    def ids(entries):
        return sorted(question_id(list(e.fields)) for e in entries)

    return {
        "log": {
            "new": ids(log.new),
            "updated": ids(log.updated),
            "duplicate": ids(log.duplicate),
            "conflicting": ids(log.conflicting),
            "first_field_match": ids(log.first_field_match),
            "missing_notetype": len(log.missing_notetype),
            "missing_deck": len(log.missing_deck),
            "empty_first_field": len(log.empty_first_field),
        },
        "state": state(col),
    }


def study(col, eases):
    """Answer the next cards of the parent deck with the given eases."""
    parents = parent_decks(col)
    if not parents:
        raise SystemExit("no parent deck to study")
    col.decks.select(col.decks.id_for_name(parents[0]))
    answered = []
    for ease in eases:
        card = col.sched.getCard()
        if card is None:
            raise SystemExit("no card left to study")
        col.sched.answerCard(card, ease)
        answered.append(card.id)
    return {"answered": answered, "state": state(col)}


def learner_tag(col, qid, tag):
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if ID_FIELD in note.keys() and note[ID_FIELD] == qid:
            note.add_tag(tag)
            col.update_note(note)
            return {"state": state(col)}
    raise SystemExit(f"no note with {ID_FIELD} {qid!r}")


def render(col, qid):
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if ID_FIELD in note.keys() and note[ID_FIELD] == qid:
            cards = {}
            for card in note.cards():
                cards[str(card.ord)] = {
                    "question": card.question(),
                    "answer": card.answer(),
                    "deck": col.decks.name(card.did),
                }
            return {
                "css": note.note_type()["css"],
                "cards": cards,
                "media_dir": col.media.dir(),
            }
    raise SystemExit(f"no note with {ID_FIELD} {qid!r}")


def edit(col, qid, field, text):
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        if ID_FIELD in note.keys() and note[ID_FIELD] == qid:
            note[field] = note[field] + text
            col.update_note(note)
            return {"state": state(col)}
    raise SystemExit(f"no note with {ID_FIELD} {qid!r}")


def find_cards(col, search):
    questions = []
    for cid in sorted(col.find_cards(search)):
        note = col.get_card(cid).note()
        questions.append(note[ID_FIELD] if ID_FIELD in note.keys() else "?")
    return {"questions": questions}


def check(col):
    message, ok = col.fix_integrity()
    return {"message": message, "ok": ok, "state": state(col)}


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    command, path = argv[1], argv[2]
    col = Collection(os.path.abspath(path))
    try:
        if command == "import" and len(argv) == 4:
            result = import_package(col, argv[3])
        elif command == "import-presets" and len(argv) == 4:
            result = import_package(col, argv[3], with_deck_configs=True)
        elif command == "state" and len(argv) == 3:
            result = state(col)
        elif command == "study" and len(argv) == 4:
            result = study(col, [int(e) for e in argv[3].split(",")])
        elif command == "learner-tag" and len(argv) == 5:
            result = learner_tag(col, argv[3], argv[4])
        elif command == "render" and len(argv) == 4:
            result = render(col, argv[3])
        elif command == "edit" and len(argv) == 6:
            result = edit(col, argv[3], argv[4], argv[5])
        elif command == "find-cards" and len(argv) == 4:
            result = find_cards(col, argv[3])
        elif command == "check" and len(argv) == 3:
            result = check(col)
        else:
            raise SystemExit(__doc__)
    finally:
        col.close()
    json.dump(result, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv)
