"""Bulk import of a commune's files: read, map, check every row, then store all of it or nothing.

- `columns`: the columns of a file for one framework (template, header mapping and checks share them);
- `reading`: a file (XLSX or CSV in any of the encodings communes use) → a frame of text cells, header found;
- `checking`: every row normalised, resolved against the territory and checked against the framework;
- `storing`: the checked rows written in one short transaction, or nothing;
- `templates`: the XLSX template and the workbook of bad rows.
"""
