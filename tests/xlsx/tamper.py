"""Damage a review workbook the way a reviewer might, with openpyxl:
tamper.py IN OUT ACTION. Actions: identity (type over an id and a guid),
move-row (cut question row 3 onto a new sheet), merge (merge two answer
cells), extra-sheet (add an empty sheet "Notes"), formula (type a formula),
cut-cell (a cell cut at 32,767 characters), number-id (an id typed over as a
number)."""
import sys

import openpyxl

src, dst, action = sys.argv[1:]
book = openpyxl.load_workbook(src)
ws = book["Questions"]
header = [c.value for c in ws[1]]
col = {name: i + 1 for i, name in enumerate(header)}
if action == "identity":
    ws.cell(row=2, column=col["guid"]).value = "qb-typed-over"
    ws.cell(row=3, column=col["section"]).value = "A. Something else"
elif action == "move-row":
    moved = book.create_sheet("Sheet2")
    for c in range(1, len(header) + 1):
        moved.cell(row=1, column=c).value = ws.cell(row=3, column=c).value
    ws.delete_rows(3)
elif action == "merge":
    ws.merge_cells(start_row=2, start_column=col["plain_english"], end_row=2, end_column=col["technical_depth"])
elif action == "extra-sheet":
    book.create_sheet("Notes")
elif action == "formula":
    ws.cell(row=4, column=col["real_world_example"]).value = "=1+1"
elif action == "cut-cell":
    ws.cell(row=2, column=col["technical_depth"]).value = ("word " * 7000)[:32767]
else:
    raise SystemExit(f"unknown action {action}")
book.save(dst)
