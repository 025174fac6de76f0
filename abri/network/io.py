"""Import and export of organisations and shelters, as CSV or XLSX.

The header names are the file format: stable, English snake_case, never translated.

* organisations: ``name, kind, departement, email, phone, areas, exploitation_forms, website``
* shelters: ``operator, name, commune, departement, latitude, longitude, address, accepts_genders,
  accepts_couples, max_children, wheelchair_access, languages, exploitation_forms, dedicated_places,
  contact_name, contact_phone, contact_email``, plus ``free_places_now`` in exports (computed, so
  ignored when an exported file is imported back).

Cells hold the stored codes (OrganisationKind, Gender, ExploitationForm, LANGUAGE_CODES, INSEE
département codes); lists are joined with ``|`` (``sexual|labour``); booleans are ``yes``/``no``
(imports also take oui/non, true/false, vrai/faux, 1/0); ``operator`` is the exact name of the
shelter-operator organisation.

Imports are all-or-nothing: every row is checked first and every problem reported with the line
and column a spreadsheet shows (the header is line 1); only a file without errors is written, in
one transaction, through the services. Exports hold location data and the decrypted address:
callers check who may see them and record the read.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.http import HttpRequest
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from abri.access.roles import COORDINATION, role_of
from abri.accounts.models import Organisation, OrganisationKind, User
from abri.accounts.services import organisation_create, organisation_update_directory
from abri.core import geography
from abri.core.archives import ArchiveError, check_archive
from abri.core.errors import EXCERPT_CHARS, DomainError, excerpt
from abri.core.vocabulary import ExploitationForm
from abri.network.availability import availability_by_shelter
from abri.network.models import Shelter
from abri.network.services import SHELTER_FIELDS, shelter_create, validate_shelter_fields

# Spelled out rather than derived from the models or SHELTER_FIELDS: these names are the file format.
ORGANISATION_COLUMNS = ("name", "kind", "departement", "email", "phone", "areas", "exploitation_forms",
                        "website")  # fmt: skip
ORGANISATION_REQUIRED = ("name", "kind")
SHELTER_COLUMNS = ("operator", "name", "commune", "departement", "latitude", "longitude", "address",
                   "accepts_genders", "accepts_couples", "max_children", "wheelchair_access", "languages",
                   "exploitation_forms", "dedicated_places", "contact_name", "contact_phone",
                   "contact_email")  # fmt: skip
SHELTER_REQUIRED = ("operator", "name", "commune", "departement", "accepts_genders", "dedicated_places")
SHELTER_EXPORT_ONLY = ("free_places_now",)

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
# The widest table has 18 columns: a wider row is refused before its names are compared, so that a
# header of thousands of columns (a few MB) cannot hold a worker or fill the report.
MAX_COLUMNS = 100
LIST_SEPARATOR = "|"
_TRUE = frozenset({"yes", "oui", "true", "vrai", "1"})
_FALSE = frozenset({"no", "non", "false", "faux", "0", ""})
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-\d+(\.\d+)?")


@dataclass(frozen=True)
class RowError:
    """One problem of an imported file: its line as a spreadsheet shows it, the column, the message."""

    line: int
    column: str
    message: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


class TableError(Exception):
    """The file cannot be read as a table with the expected header."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(f"line {e.line} {e.column}: {e.message}" for e in errors))
        self.errors = errors


class Row(dict[str, str]):
    """A data row by column name, with the line a spreadsheet shows for it."""

    def __init__(self, values: dict[str, str], line: int) -> None:
        super().__init__(values)
        self.line = line

    def __missing__(self, column: str) -> str:
        return ""  # an optional column left out of the file reads as empty cells


# --- Export ---------------------------------------------------------------------------------------


def _neutralise(cell: str) -> str:
    # A leading apostrophe makes the cell text; _cell() removes it on import. Negative numbers
    # (longitudes west of Greenwich) are harmless and must stay numbers.
    cell = ILLEGAL_CHARACTERS_RE.sub("", cell)  # control characters make openpyxl refuse the file
    return "'" + cell if cell.startswith(_FORMULA_START) and not _NEGATIVE_NUMBER.fullmatch(cell) else cell


def _text(value: Any) -> str:
    """A stored value as the cell text the importer reads back to the same value."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)  # reads back as the very same float: coordinates survive a round trip
    return "" if value is None else str(value)


def export_rows(
    kind: Literal["organisations", "shelters"], items: Iterable[Organisation] | Iterable[Shelter]
) -> Iterator[list[str]]:
    """The header row, then one row of text cells per organisation or shelter."""
    if kind == "organisations":
        yield list(ORGANISATION_COLUMNS)
        for organisation in cast(Iterable[Organisation], items):
            yield [_text(getattr(organisation, column)) for column in ORGANISATION_COLUMNS]
    elif kind == "shelters":
        if isinstance(items, QuerySet):
            items = items.select_related("operator")
        shelters = list(cast(Iterable[Shelter], items))
        prefetch_related_objects(shelters, "operator")  # a plain list must not cost a query per row
        places = availability_by_shelter(shelters)
        yield [*SHELTER_COLUMNS, *SHELTER_EXPORT_ONLY]
        for s in shelters:
            cells = [_text(getattr(s, column)) for column in SHELTER_COLUMNS[1:]]
            yield [s.operator.name, *cells, str(places[s.pk].free)]
    else:
        raise ValueError(f"unknown export kind: {kind!r}")


def write_csv(rows: Iterable[Sequence[str]], *, bom: bool = False) -> Iterator[str]:
    """UTF-8 CSV text, comma-separated, one string per row (fit for a StreamingHttpResponse).

    ``bom`` starts the file with a byte-order mark, which Excel needs to show accents right.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, row in enumerate(rows):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_neutralise(str(c)) for c in row])
        yield ("\ufeff" if bom and index == 0 else "") + buffer.getvalue()


def write_xlsx(rows: Iterable[Sequence[str]], *, title: str = "Abri") -> bytes:
    """An XLSX workbook with one sheet; cells are text, never formulas."""
    workbook = Workbook(write_only=True)  # streams rows out instead of keeping cell objects
    sheet = workbook.create_sheet(title)
    for row in rows:
        sheet.append([_neutralise(str(c)) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- Reading a table ------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _text(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores every number as a float: "3" places, not "3.0"
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value).strip()
    if len(text) > 1 and text[0] == "'" and text.startswith(_FORMULA_START, 1):
        text = text[1:]  # undo _neutralise(), so that an exported file imports back unchanged
    return text.strip()


def _error(line: int, message: str) -> TableError:
    return TableError([RowError(line, "", message)])


def _collect(rows: Iterable[Sequence[Any]]) -> list[tuple[int, list[str]]]:
    # Blank rows are skipped but counted, so that line numbers stay those the user sees.
    table: list[tuple[int, list[str]]] = []
    for line, raw in enumerate(rows, start=1):
        if any(cells := [_cell(v) for v in raw]):
            while not cells[-1]:
                cells.pop()
            if len(cells) > MAX_COLUMNS:
                raise _error(line, _("At most %(max)s columns can be imported.") % {"max": MAX_COLUMNS})
            if len(table) > MAX_ROWS:
                raise _error(line, _("At most %(max)s rows can be imported at once.") % {"max": MAX_ROWS})
            table.append((line, cells))
    return table


def _csv_table(data: bytes) -> list[tuple[int, list[str]]]:
    if b"\x00" in data:
        raise _error(1, _("This file is neither a CSV nor an XLSX file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _error(1, _("The file is not UTF-8 text: save it as “CSV UTF-8” or as XLSX.")) from None
    # French Excel separates with ";" (the comma is its decimal mark); header names hold neither.
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return _collect(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise _error(1, _("This file is not valid CSV.")) from None


def _xlsx_table(data: bytes) -> list[tuple[int, list[str]]]:
    try:
        # Sizes and ratio read from the archive's directory before openpyxl unpacks anything.
        check_archive(data, field="file")
    except ArchiveError as exc:
        if exc.code == "damaged":
            raise _error(1, _("This file is neither a CSV nor an XLSX file.")) from None
        raise  # a decompression bomb: refused on the file field, not as a line of the report
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            return _collect(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    except TableError:
        raise
    except Exception:  # a damaged or foreign file makes openpyxl raise anything: report, never crash
        raise _error(1, _("This file is neither a CSV nor an XLSX file.")) from None


def read_table(
    data: bytes, filename: str, *, columns: Collection[str] | None = None, required: Collection[str] = ()
) -> list[dict[str, str]]:
    """The data rows of a CSV or XLSX file, as dicts by lower-case header name.

    Each dict is a :class:`Row`, whose ``line`` is its spreadsheet line. With ``columns``, any
    other header is an error, and so is a missing ``required`` one. Raises :class:`TableError`,
    or :class:`ArchiveError` (a DomainError on the ``file`` field) for an XLSX that would unpack
    to too much.
    """
    if len(data) > MAX_BYTES:
        raise _error(1, _("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // 2**20})
    name = filename.lower()
    if data.startswith(b"PK\x03\x04") or name.endswith((".xlsx", ".xlsm")):
        table = _xlsx_table(data)
    elif data.startswith(b"\xd0\xcf\x11\xe0") or name.endswith(".xls"):
        raise _error(1, _("Old Excel files (.xls) cannot be read: save the file as XLSX or “CSV UTF-8”."))
    else:
        table = _csv_table(data)
    if not table:
        raise _error(1, _("The file is empty."))
    header_line, header = table[0]  # trimmed of trailing empty cells, like every row (_collect)
    names = [h.lower() for h in header]
    errors: list[RowError] = []
    seen: set[str] = set()
    for index, column in enumerate(names):
        twice = column in seen
        seen.add(column)
        if not column:
            message = _("Column %(number)s has no name.") % {"number": index + 1}
        elif twice:
            message = _("This column appears twice.")
        elif columns is not None and column not in columns:
            message = _("Unknown column.")
        else:
            continue
        errors.append(RowError(header_line, excerpt(column), message))
    errors += [RowError(header_line, c, _("This column is missing.")) for c in required if c not in names]
    rows: list[dict[str, str]] = []
    for line, cells in table[1:]:
        if len(cells) > len(names):
            errors.append(RowError(line, "", _("This row has more cells than the header has columns.")))
        rows.append(Row(dict(zip(names, cells + [""] * (len(names) - len(cells)), strict=False)), line))
    if not rows and not errors:
        errors.append(RowError(header_line + 1, "", _("There is no row under the header.")))
    if errors:
        raise TableError(errors)
    return rows


# --- Checking rows --------------------------------------------------------------------------------


class _CellError(Exception):
    pass


def _split(value: str) -> list[str]:
    return [item.strip() for item in value.split(LIST_SEPARATOR) if item.strip()]


def _departement(code: str) -> str:
    try:
        return geography.departement_code(code)
    except (KeyError, ValueError):
        raise _CellError(_("Unknown département: %(code)s.") % {"code": excerpt(code)}) from None


def _boolean(value: str) -> bool:
    if value.lower() not in _TRUE | _FALSE:
        raise _CellError(_("Write yes or no."))
    return value.lower() in _TRUE


def _forms(value: str) -> list[str]:
    forms = sorted(set(_split(value)))
    if unknown := set(forms) - set(ExploitationForm.values):
        codes = excerpt(", ".join(sorted(unknown)))
        raise _CellError(_("Unknown form of exploitation: %(code)s.") % {"code": codes})
    return forms


def _kind(value: str) -> str:
    if value not in OrganisationKind.values:
        codes = ", ".join(OrganisationKind.values)
        raise _CellError(_("Unknown kind of organisation: write one of %(codes)s.") % {"codes": codes})
    return value


class _Checker:
    """Collects the errors of one row, one per column at most (the user fixes one thing at a time)."""

    def __init__(self, line: int, cells: Iterable[str] = ()) -> None:
        self.line, self.errors = line, cast(list[RowError], [])
        # Longest first, so that a value containing another is shortened whole.
        self.long_values = sorted((c for c in cells if len(c) > EXCERPT_CHARS), key=len, reverse=True)

    def add(self, column: str, message: str) -> None:
        # A message written elsewhere (a model validator, a service) may quote the cell: the
        # report shows an excerpt of it, never the whole value.
        for value in self.long_values:
            message = message.replace(value, excerpt(value))
        if all(e.column != column for e in self.errors):
            self.errors.append(RowError(self.line, column, message))

    def __call__(self, column: str, check: Callable[..., Any], *args: Any) -> Any:
        try:
            return check(*args)
        except _CellError as exc:
            self.add(column, str(exc))
            return None

    def model_rules(self, instance: models.Model, columns: Collection[str]) -> None:
        """The model's own rules (lengths, e-mail and URL formats, blanks), as the service applies them."""
        checked = [f.name for f in instance._meta.fields if f.name in columns]
        exclude = {f.name for f in instance._meta.fields} - set(checked) | {e.column for e in self.errors}
        try:
            # Uniqueness is checked for the whole file by _import, against the file and the database.
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                self.add(column, " ".join(messages))


# Each returns the row's cleaned fields and the key that must be unique (None when unknown).
_Cells = Callable[[Row, _Checker], tuple[dict[str, Any], Any]]


def _organisation_cells(row: Row, check: _Checker, existing: set[str]) -> tuple[dict[str, Any], Any]:
    clean: dict[str, Any] = {c: row[c] for c in ("name", "email", "phone", "website")}
    clean["kind"] = check("kind", _kind, row["kind"])
    clean["departement"] = row["departement"] and check("departement", _departement, row["departement"])
    clean["areas"] = check(
        "areas", lambda codes: sorted({_departement(c) for c in codes}), _split(row["areas"])
    )
    clean["exploitation_forms"] = check("exploitation_forms", _forms, row["exploitation_forms"])
    check.model_rules(Organisation(**clean), ORGANISATION_COLUMNS)
    if row["name"].casefold() in existing:
        check.add("name", _("An organisation with this name already exists."))
    return clean, row["name"].casefold() or None


def _shelter_cells(
    row: Row, check: _Checker, operators: dict[str, Organisation], existing: set[tuple[Any, str]]
) -> tuple[dict[str, Any], Any]:
    def operator(name: str) -> Organisation:
        if (organisation := operators.get(name)) is None:
            raise _CellError(_("No organisation has this exact name."))
        if organisation.kind != OrganisationKind.SHELTER_OPERATOR:
            raise _CellError(_("This organisation is not a shelter operator."))
        if not organisation.is_active:
            raise _CellError(_("This organisation is deactivated."))
        return organisation

    fields: dict[str, Any] = {c: row[c] for c in SHELTER_FIELDS}
    found = check("operator", operator, row["operator"])
    for column in ("accepts_couples", "wheelchair_access"):
        fields[column] = check(column, _boolean, fields[column])
    for column in ("accepts_genders", "languages", "exploitation_forms"):
        fields[column] = _split(fields[column])
    for axis in ("latitude", "longitude"):
        fields[axis] = fields[axis].replace(",", ".")  # French spreadsheets write 43,29
    fields["max_children"] = fields["max_children"] or 0
    try:
        # The one definition of a valid shelter; it stops at its first error, model_rules goes on.
        fields = validate_shelter_fields(fields)
    except DomainError as exc:
        check.add(exc.field if exc.field in SHELTER_COLUMNS else "", str(exc.message))
    check.model_rules(Shelter(**{k: v for k, v in fields.items() if k in SHELTER_FIELDS}), SHELTER_FIELDS)
    key = (found.pk, row["name"].casefold()) if found and row["name"] else None
    if key in existing:
        check.add("name", _("This operator already has a shelter with this name."))
    return {**fields, "operator": found}, key


# --- Importing ------------------------------------------------------------------------------------


class _RolledBack(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _import(rows: list[Row], cells: _Cells, create: Callable[[dict[str, Any]], object]) -> ImportReport:
    """Check every row; only if none has an error, create them all in one transaction."""
    errors: list[RowError] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    first_line: dict[Any, int] = {}
    for row in rows:
        check = _Checker(row.line, row.values())
        clean, key = cells(row, check)
        if key in first_line:
            check.add("name", _("Same name as line %(line)s.") % {"line": first_line[key]})
        elif key is not None:
            first_line[key] = row.line
        errors += check.errors
        valid += [] if check.errors else [(row.line, clean)]
    if errors:
        return ImportReport(errors=errors)
    try:
        with transaction.atomic():
            for line, clean in valid:
                try:
                    create(clean)
                except DomainError as exc:
                    # Data changed between the checks and now (the same name created meanwhile):
                    # report it on its row; leaving the atomic block undoes every row.
                    column = exc.field if exc.field in (*ORGANISATION_COLUMNS, *SHELTER_COLUMNS) else ""
                    raise _RolledBack(RowError(line, column or "", str(exc.message))) from exc
                except IntegrityError as exc:
                    message = _("This row conflicts with a change made meanwhile: import the file again.")
                    raise _RolledBack(RowError(line, "", message)) from exc
    except _RolledBack as exc:
        return ImportReport(errors=[exc.error])
    return ImportReport(created=len(valid))


def import_organisations(
    *, actor: User, data: bytes, filename: str, request: HttpRequest | None = None
) -> ImportReport:
    """Create the organisations of a CSV or XLSX file, all or none (administrators only)."""
    if not (actor.is_active and actor.is_administrator):
        raise DomainError(_("Only the coordinator's administrators can do this."), code="forbidden")
    try:
        rows = read_table(data, filename, columns=ORGANISATION_COLUMNS, required=ORGANISATION_REQUIRED)
    except TableError as exc:
        return ImportReport(errors=exc.errors)
    existing = {name.casefold() for name in Organisation.objects.values_list("name", flat=True)}

    def create(clean: dict[str, Any]) -> None:
        directory = {k: clean.pop(k) for k in ("areas", "exploitation_forms", "website")}
        organisation = organisation_create(actor=actor, request=request, **clean)
        organisation_update_directory(actor=actor, organisation=organisation, request=request, **directory)

    return _import(cast(list[Row], rows), partial(_organisation_cells, existing=existing), create)


def import_shelters(
    *, actor: User, data: bytes, filename: str, request: HttpRequest | None = None
) -> ImportReport:
    """Register the shelters of a CSV or XLSX file, all or none (coordinators only)."""
    if role_of(actor) not in COORDINATION:
        raise DomainError(_("Only coordinators register shelters."), code="forbidden")
    columns = (*SHELTER_COLUMNS, *SHELTER_EXPORT_ONLY)
    try:
        rows = cast(list[Row], read_table(data, filename, columns=columns, required=SHELTER_REQUIRED))
    except TableError as exc:
        return ImportReport(errors=exc.errors)
    operators = {o.name: o for o in Organisation.objects.filter(name__in={r["operator"] for r in rows})}
    in_database = Shelter.objects.filter(operator__in=operators.values()).values_list("operator_id", "name")
    existing = {(operator_id, name.casefold()) for operator_id, name in in_database}

    def create(clean: dict[str, Any]) -> None:
        fields = {k: clean[k] for k in SHELTER_FIELDS}
        shelter_create(actor=actor, operator=clean["operator"], request=request, **fields)

    return _import(rows, partial(_shelter_cells, operators=operators, existing=existing), create)
