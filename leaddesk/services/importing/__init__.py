"""Reading lead lists: from a path on disk to validated, normalised rows ready to be written.

Qt-free and database-free. The flow a wizard or the CLI follows:

    info = inspect_file(path)                       # format, sheets, default sheet
    with read_table(path, info.default_sheet) as table:   # header found, rows kept on disk
        mapping = propose_mapping(table.headers)    # or apply_preset(table.headers, saved)
        batch = prepare_rows(table, mapping, PrepareOptions(time_zone="Europe/Rome"))

Files that cannot be imported raise `ImportFileError` (as `UnreadableFileError`, whose `problem` says
which kind); every untrusted file is parsed in a limited child process (see `safe_reader`).
"""

from leaddesk.services.importing.column_mapping import (
    FULL_NAME,
    IGNORE,
    ColumnMapping,
    apply_preset,
    mapping_signature,
    propose_mapping,
)
from leaddesk.services.importing.header_detection import Column
from leaddesk.services.importing.limits import DEFAULT_LIMITS, CancelCheck, Progress, ReadLimits
from leaddesk.services.importing.prepared_rows import (
    PreparedBatch,
    PreparedChunk,
    PreparedRow,
    PrepareOptions,
    RejectedRow,
    RowError,
    iter_prepared,
    prepare_rows,
)
from leaddesk.services.importing.problems import Cancelled, FileProblem, UnreadableFileError
from leaddesk.services.importing.row_store import CellValue, DataRow
from leaddesk.services.importing.sniffing import FileFormat
from leaddesk.services.importing.table_reading import (
    RawTable,
    SheetInfo,
    WorkbookInfo,
    inspect_file,
    read_table,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FULL_NAME",
    "IGNORE",
    "CancelCheck",
    "Cancelled",
    "CellValue",
    "Column",
    "ColumnMapping",
    "DataRow",
    "FileFormat",
    "FileProblem",
    "PrepareOptions",
    "PreparedBatch",
    "PreparedChunk",
    "PreparedRow",
    "Progress",
    "RawTable",
    "ReadLimits",
    "RejectedRow",
    "RowError",
    "SheetInfo",
    "UnreadableFileError",
    "WorkbookInfo",
    "apply_preset",
    "inspect_file",
    "iter_prepared",
    "mapping_signature",
    "prepare_rows",
    "propose_mapping",
    "read_table",
]
