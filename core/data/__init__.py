"""Read a user's table, profile its columns, check it, and build the :class:`Dataset` to study.

Four steps, each usable on its own:

* :func:`read_table` turns uploaded bytes (CSV/TSV/semicolon/pipe text in any common encoding,
  Excel ``.xlsx`` or Parquet) into a tidy :class:`pandas.DataFrame`;
* :func:`profile_table` says what each column looks like (:class:`ColumnProfile`);
* :func:`infer_task` and :func:`suggest_target` propose what to predict and how;
* :func:`prepare_dataset` checks the table against a chosen target (too few rows, rare classes,
  identifiers, personal data, leakage, free text...) and builds the model-ready
  :class:`Dataset`, with every finding returned as a :class:`DataWarning`.

Every problem a user can cause raises :class:`DataError` with a message saying what is wrong and
what to do; no pandas, pyarrow or openpyxl exception escapes for bad input.

The package, lowest module first (each imports only from the modules above it):

* :mod:`core.data.values` — cleaning values: missing-value markers, numbers written as text,
  dates, yes/no; writing values and names back as a person would;
* :mod:`core.data.reading` — :func:`read_table`: format sniffing, decoding, delimited text,
  Excel and Parquet, header lines and column names, and the messages of unreadable files (its
  docstring gives the conventions of the tables it returns);
* :mod:`core.data.profiling` — :func:`profile_table`, :func:`infer_task`,
  :func:`suggest_target`: column kinds, identifiers, free text, personal data;
* :mod:`core.data.checks` — the checks behind the :class:`DataWarning` findings: row counters,
  copies, classes, leakage, columns left out;
* :mod:`core.data.streaming` — :func:`read_large_path`: a large delimited file streamed from
  disk by pyarrow, tidied by the same rules;
* :mod:`core.data.prepare` — :func:`prepare_dataset`, :func:`prepare_leaving_out`: options,
  the task, class labels, the features;
* :mod:`core.data.loading` — :func:`load_dataset`, :func:`load_path`, :func:`read_path`: a file
  read and prepared in one call (a big text file streamed).

Every public name is importable from ``core.data`` itself; import it from here.
"""

from __future__ import annotations

from core.data.checks import (
    COPIES_WARN_FRACTION,
    COUNTER_MIN_CLASS_ROWS,
    COUNTER_SLACK,
    IMBALANCE_FRACTION,
    LEAKAGE_MAX_ROWS,
    LEAKAGE_THRESHOLD,
    MIN_ROWS,
    RARE_CLASS_ERROR_MESSAGE,
    RARE_CLASS_ROWS,
)
from core.data.loading import (
    BIG_TABLE_COMMAND,
    CLI_MAX_BYTES,
    NO_FILE_MESSAGE,
    NOT_A_FILE_MESSAGE,
    STREAM_BYTES,
    load_dataset,
    load_path,
    read_path,
)
from core.data.prepare import (
    BINARY_NEEDS_TWO_MESSAGE,
    DUPLICATE_COLUMNS_MESSAGE,
    HIDDEN_EXAMPLES,
    INCLUDE_AND_EXCLUDE_MESSAGE,
    LARGE_TABLE_ROWS,
    MISSING_WARN_FRACTION,
    MULTICLASS_NEEDS_THREE_MESSAGE,
    NO_FEATURES_MESSAGE,
    NO_SUCH_COLUMN_MESSAGE,
    ONLY_TARGET_MESSAGE,
    REASON_WORDS,
    REGRESSION_NOT_NUMERIC_MESSAGE,
    SMALL_TABLE_ROWS,
    TARGET_EXCLUDED_MESSAGE,
    TARGET_INCLUDED_MESSAGE,
    TOO_FEW_ROWS_MESSAGE,
    TOO_FEW_TARGET_ROWS_MESSAGE,
    UNKNOWN_OPTION_COLUMNS_MESSAGE,
    UNKNOWN_TASK_MESSAGE,
    prepare_dataset,
    prepare_leaving_out,
)
from core.data.profiling import (
    FREE_TEXT_TARGET_MESSAGE,
    MAX_CLASSES,
    TARGET_CONSTANT_MESSAGE,
    TARGET_DATES_MESSAGE,
    TARGET_EMPTY_MESSAGE,
    TOO_MANY_CLASSES_MESSAGE,
    infer_task,
    profile_table,
    suggest_target,
)
from core.data.reading import (
    BAD_LINE_MESSAGE,
    BINARY_MESSAGE,
    COMPRESSED_MESSAGE,
    CORRUPT_PARQUET_MESSAGE,
    CORRUPT_XLSX_MESSAGE,
    DEFAULT_MAX_BYTES,
    EMPTY_FILE_MESSAGE,
    HEADER_ONLY_MESSAGE,
    HTML_MESSAGE,
    JSON_MESSAGE,
    NO_COLUMNS_MESSAGE,
    NOT_A_TABLE_MESSAGE,
    PDF_MESSAGE,
    TOO_LARGE_MESSAGE,
    UNCLOSED_QUOTE_MESSAGE,
    UNREADABLE_MESSAGE,
    XLS_MESSAGE,
    XML_MESSAGE,
    Engine,
    ReadFormat,
    read_table,
    replaced_bytes_note,
)

# Names core.data imported from core.dataset and core.errors before it became a package, still
# importable from here as they were.
from core.dataset import TASKS as TASKS
from core.dataset import ColumnKind as ColumnKind
from core.dataset import ColumnProfile as ColumnProfile
from core.dataset import Dataset as Dataset
from core.dataset import DataWarning as DataWarning
from core.dataset import Task as Task
from core.dataset import copy_groups as copy_groups
from core.errors import DataError as DataError

__all__ = [
    "BAD_LINE_MESSAGE",
    "BIG_TABLE_COMMAND",
    "BINARY_MESSAGE",
    "BINARY_NEEDS_TWO_MESSAGE",
    "CLI_MAX_BYTES",
    "COMPRESSED_MESSAGE",
    "COPIES_WARN_FRACTION",
    "CORRUPT_PARQUET_MESSAGE",
    "CORRUPT_XLSX_MESSAGE",
    "COUNTER_MIN_CLASS_ROWS",
    "COUNTER_SLACK",
    "DEFAULT_MAX_BYTES",
    "DUPLICATE_COLUMNS_MESSAGE",
    "EMPTY_FILE_MESSAGE",
    "FREE_TEXT_TARGET_MESSAGE",
    "HEADER_ONLY_MESSAGE",
    "HIDDEN_EXAMPLES",
    "HTML_MESSAGE",
    "IMBALANCE_FRACTION",
    "INCLUDE_AND_EXCLUDE_MESSAGE",
    "JSON_MESSAGE",
    "LARGE_TABLE_ROWS",
    "LEAKAGE_MAX_ROWS",
    "LEAKAGE_THRESHOLD",
    "MAX_CLASSES",
    "MIN_ROWS",
    "MISSING_WARN_FRACTION",
    "MULTICLASS_NEEDS_THREE_MESSAGE",
    "NOT_A_FILE_MESSAGE",
    "NOT_A_TABLE_MESSAGE",
    "NO_COLUMNS_MESSAGE",
    "NO_FEATURES_MESSAGE",
    "NO_FILE_MESSAGE",
    "NO_SUCH_COLUMN_MESSAGE",
    "ONLY_TARGET_MESSAGE",
    "PDF_MESSAGE",
    "RARE_CLASS_ERROR_MESSAGE",
    "RARE_CLASS_ROWS",
    "REASON_WORDS",
    "REGRESSION_NOT_NUMERIC_MESSAGE",
    "SMALL_TABLE_ROWS",
    "STREAM_BYTES",
    "TARGET_CONSTANT_MESSAGE",
    "TARGET_DATES_MESSAGE",
    "TARGET_EMPTY_MESSAGE",
    "TARGET_EXCLUDED_MESSAGE",
    "TARGET_INCLUDED_MESSAGE",
    "TOO_FEW_ROWS_MESSAGE",
    "TOO_FEW_TARGET_ROWS_MESSAGE",
    "TOO_LARGE_MESSAGE",
    "TOO_MANY_CLASSES_MESSAGE",
    "UNCLOSED_QUOTE_MESSAGE",
    "UNKNOWN_OPTION_COLUMNS_MESSAGE",
    "UNKNOWN_TASK_MESSAGE",
    "UNREADABLE_MESSAGE",
    "XLS_MESSAGE",
    "XML_MESSAGE",
    "Engine",
    "ReadFormat",
    "infer_task",
    "load_dataset",
    "load_path",
    "prepare_dataset",
    "prepare_leaving_out",
    "profile_table",
    "read_path",
    "read_table",
    "replaced_bytes_note",
    "suggest_target",
]
