"""Open data of the portal: every cell under a stable key, per report, per year and as one archive.

- :mod:`.codebook` — the keys and the codebook, derived from the format descriptions;
- :mod:`.columns` — the columns other than the cells, and what they hold;
- :mod:`.files` — the data files, each a pure function returning bytes (also ``govsite export``);
- :mod:`.package` — ``datapackage.json``, the archive and its README;
- :mod:`.safecsv` — CSV without live formulas, as every CSV govsite writes.
"""

from .codebook import FORMULA_NOTE, codebook, codebook_csv, codebook_json, codebook_rows, format_cells, keys_of
from .columns import CHECK_COLUMNS, LONG_COLUMNS, META_COLUMNS
from .files import check_cells, export_csv, export_json, report_csv, report_json, year_checks, year_csv
from .package import ARCHIVE_NAME, archive, checks_csv_name, datapackage, readme_text, year_csv_name, year_formats
from .safecsv import csv_bytes, safe_text

__all__ = [
    "FORMULA_NOTE", "codebook", "codebook_csv", "codebook_json", "codebook_rows", "format_cells", "keys_of",
    "CHECK_COLUMNS", "LONG_COLUMNS", "META_COLUMNS", "check_cells", "export_csv", "export_json", "report_csv",
    "report_json", "year_checks", "year_csv",
    "ARCHIVE_NAME", "archive", "checks_csv_name", "datapackage", "readme_text", "year_csv_name", "year_formats",
    "csv_bytes", "safe_text",
]
