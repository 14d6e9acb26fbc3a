"""The IMP error codes of importing, registered once in the error catalog (see docs/errors.md)."""

from __future__ import annotations

from attain.core.errors import register

FILE_UNREADABLE = register("IMP001", "the file cannot be read (missing, not CSV/XLSX, or damaged)")
FILE_EMPTY = register("IMP002", "the file has no header row or no columns")
MAPPING_INVALID = register("IMP003", "the mapping file is not valid")
UNKNOWN_ENTITY = register("IMP004", "the kind of record to import is not one Attain knows")
COLUMN_MISSING = register("IMP005", "a column the mapping (or the entity) needs is not in the file")
COLUMN_UNKNOWN = register("IMP006", "a column of the file is not a field of the entity (no mapping given)")
COLUMN_DUPLICATED = register("IMP007", "two columns of the file have the same name")
SHEET_MISSING = register("IMP008", "the named worksheet is not in the workbook")

REQUIRED_MISSING = register("IMP010", "a required value is empty")
BAD_DATE = register("IMP011", "a date (or date-time) cannot be read")
BAD_NUMBER = register("IMP012", "a number cannot be read, or is too large")
BAD_INTEGER = register("IMP013", "a whole number was expected")
NEGATIVE = register("IMP014", "a negative number where only zero or more is allowed")
UNKNOWN_CURRENCY = register("IMP015", "a currency code Attain does not know")
INVALID_CHOICE = register("IMP016", "a value that is not one of the allowed choices")
TOO_MANY_DECIMALS = register("IMP017", "a money amount is finer than its currency pays (cents, fils)")
BAD_BOOLEAN = register("IMP018", "a yes/no value cannot be read")
BAD_JSON = register("IMP019", "custom attributes are not a JSON object")

UNKNOWN_REFERENCE = register(
    "IMP020", "a reference to a record that is neither in the database nor in the file"
)
DUPLICATE_KEY = register("IMP021", "the same record (business key) appears twice in the file")
VALID_TO_BEFORE_FROM = register(
    "IMP022", "an effective-dated row ends (valid_to) before it starts (valid_from)"
)
REVERSAL_WITHOUT_ORIGINAL = register(
    "IMP023", "a cancellation or return does not say which transaction it reverses"
)
REVERSAL_UNKNOWN_ORIGINAL = register(
    "IMP024", "a cancellation or return reverses a transaction that does not exist"
)
SPLIT_NOT_100 = register("IMP025", "the split percents of one opportunity do not total 100")
TOO_PRECISE = register("IMP026", "a rate or quantity has more than 10 decimal places")

BATCH_NOT_RECORDED = register(
    "IMP090", "the refused attempt could not be recorded in import_batch (the import itself wrote nothing)"
)
FOLDER_FILE_UNKNOWN = register("IMP091", "a file in an import folder is not named after an entity")
