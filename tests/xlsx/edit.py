"""Edit a review workbook the way a reviewer would, with openpyxl:
edit.py IN OUT ID COLUMN PYTHON-EXPR. The expression gets the cell's text as
`old` and gives the new text. Several ID COLUMN EXPR triples may follow."""
import sys

import openpyxl

src, dst, *edits = sys.argv[1:]
book = openpyxl.load_workbook(src)
ws = book["Questions"]
header = [c.value for c in ws[1]]
for i in range(0, len(edits), 3):
    qid, column, expr = edits[i : i + 3]
    col = header.index(column) + 1
    idc = header.index("id") + 1
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=idc).value == qid)
    cell = ws.cell(row=row, column=col)
    old = cell.value or ""
    cell.value = eval(expr, {"old": old})
book.save(dst)
