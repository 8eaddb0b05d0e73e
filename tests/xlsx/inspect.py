"""Report what openpyxl sees in a review workbook, as JSON on stdout:
sheet names, protection, frozen pane, and per column of "Questions" the
set of cell data types, whether its cells are locked, wrapped and bold."""
import json
import sys

import openpyxl

book = openpyxl.load_workbook(sys.argv[1])
ws = book["Questions"]
header = [c.value for c in ws[1]]
columns = {}
for index, name in enumerate(header, start=1):
    cells = [ws.cell(row=r, column=index) for r in range(2, ws.max_row + 1)]
    columns[name] = {
        "types": sorted({c.data_type for c in cells}),
        "locked": sorted({bool(c.protection.locked) for c in cells}),
        "wrapped": sorted({bool(c.alignment.wrap_text) for c in cells}),
        "top": sorted({c.alignment.vertical == "top" for c in cells}),
        "header_bold": bool(ws.cell(row=1, column=index).font.bold),
        "width": ws.column_dimensions[openpyxl.utils.get_column_letter(index)].width,
    }
fills = [ws.cell(row=r, column=1).fill.fgColor.rgb for r in range(2, ws.max_row + 1)]
validations = [
    {"sqref": str(v.sqref), "type": v.type, "formula": v.formula1, "style": v.errorStyle}
    for v in ws.data_validations.dataValidation
]
print(json.dumps({
    "sheets": book.sheetnames,
    "protected": bool(ws.protection.sheet),
    "password": ws.protection.password,
    "freeze": ws.freeze_panes,
    "header": header,
    "rows": ws.max_row - 1,
    "columns": columns,
    "fills": fills,
    "validations": validations,
    "how_to_protected": bool(book["How to review"].protection.sheet),
}))
