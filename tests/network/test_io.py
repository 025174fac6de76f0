"""Import and export of organisations and shelters: CSV and XLSX, line-precise reports, all or nothing."""

from __future__ import annotations

import csv
import datetime
import io
import random
from functools import cache
from typing import Any

import pytest
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from abri.accounts.models import Organisation
from abri.accounts.services import organisation_create
from abri.audit.models import AuditEvent
from abri.core import geography
from abri.core.errors import DomainError
from abri.network import io as network_io
from abri.network.io import (
    ORGANISATION_COLUMNS,
    SHELTER_COLUMNS,
    RowError,
    export_rows,
    import_organisations,
    import_shelters,
    read_table,
    write_csv,
    write_xlsx,
)
from abri.network.models import AvailabilityChange, Shelter
from abri.network.services import SHELTER_FIELDS, shelter_create, shelter_update, unavailability_declare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    # Messages are compared in their English source form.
    with translation.override("en"):
        yield


@cache
def towns() -> list[geography.Commune]:
    # Real towns with their coordinates, so that the import never has to look a town up.
    return [town for code in ("35", "29", "69", "13", "59") for town in geography.communes_in(code)[:20]]


def shelter_rows(operator: str, count: int) -> list[dict[str, str]]:
    rows = []
    for i in range(count):
        town = towns()[i % len(towns())]
        rows.append(
            {
                "operator": operator,
                "name": f"Foyer essai {i:03d}",
                "commune": town.name,
                "departement": town.departement,
                "latitude": str(town.lat),
                "longitude": str(town.lon),
                "address": f"{i + 1} rue de l'Essai",
                "accepts_genders": "F|M" if i % 2 else "F",
                "accepts_couples": "yes" if i % 3 == 0 else "no",
                "max_children": str(i % 4),
                "wheelchair_access": "oui" if i % 5 == 0 else "non",
                "languages": "fr|en|ro",
                "exploitation_forms": "sexual|labour",
                "dedicated_places": str(1 + i % 5),
                "contact_name": "Accueil",
                "contact_phone": "02 99 00 00 00",
                "contact_email": f"accueil{i}@example.invalid",
            }
        )
    return rows


def make_shelter(network: Any, name: str, operator: Organisation | None = None, **fields: Any) -> Shelter:
    fields = {
        "commune": "Marseille",
        "departement": "13",
        "latitude": 43.2965,
        "longitude": 5.3698,
        "accepts_genders": ["F"],
        "languages": ["fr"],
        "exploitation_forms": ["sexual"],
        **fields,
    }
    operator = operator or network.org("shelter_operator")
    return shelter_create(actor=network.user("coordinator"), operator=operator, name=name, **fields)


def organisation_row(name: str, kind: str, **cells: str) -> dict[str, str]:
    return {**dict.fromkeys(ORGANISATION_COLUMNS, ""), "name": name, "kind": kind, **cells}


def to_csv(rows: list[dict[str, str]], delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def to_xlsx(rows: list[dict[str, str]]) -> bytes:
    """A workbook as a person would make it: numbers stored as numbers."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(rows[0]))
    for row in rows:
        sheet.append([_number(value) for value in row.values()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _number(value: str) -> Any:
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value


def spoil(rows: list[dict[str, str]]) -> list[RowError]:
    """Three bad rows, and what the report must say about them (line = index + 2)."""
    rows[10]["departement"] = "999"
    rows[250]["latitude"] = "north"
    rows[499]["languages"] = "fr|tlh"
    return [
        RowError(12, "departement", "Unknown département."),
        RowError(252, "latitude", "Enter a number."),
        RowError(501, "languages", "Unknown language code."),
    ]


def test_500_shelters_csv_with_three_bad_rows_reports_them_and_imports_nothing(network: Any) -> None:
    rows = shelter_rows(network.org("shelter_operator").name, 500)
    expected = spoil(rows)
    report = import_shelters(actor=network.user("coordinator"), data=to_csv(rows), filename="foyers.csv")
    assert report.errors == expected
    assert not report.ok and report.created == 0
    assert not Shelter.objects.exists()


def test_500_shelters_xlsx_with_three_bad_rows_reports_them_and_imports_nothing(network: Any) -> None:
    rows = shelter_rows(network.org("shelter_operator").name, 500)
    expected = spoil(rows)
    report = import_shelters(actor=network.user("coordinator"), data=to_xlsx(rows), filename="foyers.xlsx")
    assert report.errors == expected
    assert not Shelter.objects.exists()


def test_clean_import_creates_every_shelter_and_its_availability_history(network: Any) -> None:
    operator = network.org("shelter_operator")
    rows = shelter_rows(operator.name, 300)
    report = import_shelters(actor=network.user("coordinator"), data=to_xlsx(rows), filename="foyers.xlsx")
    assert report.ok and report.created == 300
    assert Shelter.objects.filter(operator=operator).count() == 300
    assert AvailabilityChange.objects.filter(kind=AvailabilityChange.Kind.DEDICATED).count() == 300
    shelter = Shelter.objects.get(name="Foyer essai 003")
    assert shelter.accepts_genders == ["F", "M"] and shelter.accepts_couples is True
    assert shelter.wheelchair_access is False and shelter.max_children == 3
    assert shelter.languages == ["en", "fr", "ro"] and shelter.address == "4 rue de l'Essai"
    assert (shelter.latitude, shelter.longitude) == (towns()[3].lat, towns()[3].lon)
    assert AuditEvent.objects.filter(action="shelter.create").count() == 300


def test_shelter_rows_name_their_operator_and_are_unique(network: Any) -> None:
    existing = make_shelter(network, "Foyer essai 000")
    rows = shelter_rows(network.org("shelter_operator").name, 5)
    rows[1]["operator"] = "Nobody"
    rows[2]["operator"] = network.org("referrer").name
    rows[3]["name"] = rows[4]["name"] = "Maison commune"
    rows[4]["accepts_couples"] = "maybe"
    report = import_shelters(actor=network.user("coordinator"), data=to_csv(rows), filename="f.csv")
    assert report.errors == [
        RowError(2, "name", "This operator already has a shelter with this name."),
        RowError(3, "operator", "No organisation has this exact name."),
        RowError(4, "operator", "This organisation is not a shelter operator."),
        RowError(6, "accepts_couples", "Write yes or no."),
        RowError(6, "name", "Same name as line 5."),
    ]
    assert list(Shelter.objects.all()) == [existing]


def test_only_coordinators_import_shelters(network: Any) -> None:
    rows = shelter_rows(network.org("shelter_operator").name, 1)
    with pytest.raises(DomainError):
        import_shelters(actor=network.user("shelter_staff"), data=to_csv(rows), filename="f.csv")


def test_organisations_import_kinds_and_areas(network: Any) -> None:
    admin = network.user("administrator")
    rows = [
        organisation_row(
            "Association Horizon",
            "referrer",
            departement="13",
            email="contact@horizon.example",
            phone="04 91 00 00 00",
            areas="13|84|2a",
            exploitation_forms="sexual|begging",
            website="https://horizon.example",
        ),
        organisation_row("Foyer Levant", "shelter_operator"),
        organisation_row("Collectif Sud", "ngo", areas="99|13"),
        organisation_row("referrer OWN", "referrer", email="not-an-address"),
    ]
    report = import_organisations(actor=admin, data=to_csv(rows), filename="partenaires.csv")
    kinds = ", ".join(["coordinator", "referrer", "shelter_operator", "support_partner", "observer"])
    assert report.errors == [
        RowError(4, "kind", f"Unknown kind of organisation: write one of {kinds}."),
        RowError(4, "areas", "Unknown département: 99."),
        RowError(5, "email", "Enter a valid email address."),
        RowError(5, "name", "An organisation with this name already exists."),
    ]
    assert not Organisation.objects.filter(name__in=["Association Horizon", "Foyer Levant"]).exists()

    report = import_organisations(actor=admin, data=to_csv(rows[:2]), filename="partenaires.csv")
    assert report.ok and report.created == 2
    horizon = Organisation.objects.get(name="Association Horizon")
    assert (horizon.kind, horizon.departement, horizon.areas) == ("referrer", "13", ["13", "2A", "84"])
    assert (
        horizon.exploitation_forms == ["begging", "sexual"] and horizon.website == "https://horizon.example"
    )
    assert Organisation.objects.get(name="Foyer Levant").kind == "shelter_operator"
    directory = AuditEvent.objects.get(action="organisation.directory_update")
    assert directory.object_id == str(horizon.pk)
    assert directory.data == {"fields": ["areas", "exploitation_forms", "website"]}


def test_semicolon_csv_with_bom_as_french_excel_saves_it(network: Any) -> None:
    data = "\ufeffname;kind;departement;areas\r\nAssociation Étoile;support_partner;69;69|01\r\n".encode()
    report = import_organisations(actor=network.user("administrator"), data=data, filename="export.csv")
    assert report.ok
    assert Organisation.objects.get(name="Association Étoile").areas == ["01", "69"]
    rows = shelter_rows(network.org("shelter_operator").name, 1)
    rows[0]["latitude"], rows[0]["longitude"] = "48,1173", "-1,6778"  # decimal commas
    report = import_shelters(actor=network.user("coordinator"), data=to_csv(rows, ";"), filename="f.csv")
    assert report.ok
    assert (Shelter.objects.get().latitude, Shelter.objects.get().longitude) == (48.1173, -1.6778)


def test_unknown_and_missing_columns_are_reported_on_line_1(network: Any) -> None:
    data = b"name,colour,Departement\nAssociation Nord,blue,59\n"
    report = import_organisations(actor=network.user("administrator"), data=data, filename="o.csv")
    assert report.errors == [
        RowError(1, "colour", "Unknown column."),
        RowError(1, "kind", "This column is missing."),
    ]
    data = b"name,name,kind\nA,B,referrer\n"
    report = import_organisations(actor=network.user("administrator"), data=data, filename="o.csv")
    assert report.errors == [RowError(1, "name", "This column appears twice.")]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "o.csv", "The file is empty."),
        (b"\n\r\n", "o.csv", "The file is empty."),
        (random.Random(7).randbytes(4096), "o.csv", None),
        (random.Random(7).randbytes(4096), "o.xlsx", "This file is neither a CSV nor an XLSX file."),
        (
            b"PK\x03\x04" + random.Random(8).randbytes(512),
            "o.csv",
            "This file is neither a CSV nor an XLSX file.",
        ),
        (b"\xd0\xcf\x11\xe0" + bytes(100), "o.xls", None),
        ("name,kind\nCaf\u00e9,referrer\n".encode("cp1252"), "o.csv", None),
        (b"name,kind\n", "o.csv", "There is no row under the header."),
        (b"a" * (network_io.MAX_BYTES + 1), "o.csv", "The file is larger than 5 MB."),
    ],
)
def test_unreadable_files_give_a_clear_report(
    network: Any, data: bytes, filename: str, message: str | None
) -> None:
    report = import_organisations(actor=network.user("administrator"), data=data, filename=filename)
    assert not report.ok and report.created == 0
    assert len(report.errors) == 1 and report.errors[0].line in (1, 2) and report.errors[0].message
    if message:
        assert report.errors[0].message == message
    assert Organisation.objects.count() == len(network.orgs)


def test_row_limit_and_blank_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    # Blank lines are skipped but keep their number: line numbers are those the user sees.
    rows = read_table(b"name,kind\n\nA,referrer\n,\nB,observer\n", "o.csv")
    assert [(getattr(r, "line", None), r["name"]) for r in rows] == [(3, "A"), (5, "B")]
    monkeypatch.setattr(network_io, "MAX_ROWS", 2)
    with pytest.raises(network_io.TableError) as caught:
        read_table(b"name\nA\nB\nC\n", "o.csv")
    assert caught.value.errors == [RowError(4, "", "At most 2 rows can be imported at once.")]


def test_a_refusal_while_writing_rolls_everything_back(network: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Someone creates the same organisation between the checks and the writes.
    real = organisation_create
    calls: list[str] = []

    def racing(**kwargs: Any) -> Organisation:
        calls.append(kwargs["name"])
        if len(calls) == 2:
            real(**{**kwargs, "name": kwargs["name"].upper()})
        return real(**kwargs)

    monkeypatch.setattr(network_io, "organisation_create", racing)
    data = b"name,kind\nPremier,referrer\nSecond,observer\nTroisieme,observer\n"
    report = import_organisations(actor=network.user("administrator"), data=data, filename="o.csv")
    assert report.errors == [RowError(3, "name", "An organisation with this name already exists.")]
    assert not Organisation.objects.filter(name__in=["Premier", "SECOND", "Second", "Troisieme"]).exists()


def test_export_then_import_round_trip(network: Any) -> None:
    operator, coordinator = network.org("shelter_operator"), network.user("coordinator")
    brest = make_shelter(
        network,
        "Maison de Brest",
        commune="Brest",
        departement="29",
        latitude=48.3904,
        longitude=-4.4861,
        address="1 quai de l'Essai\nBrest",
        accepts_genders=["F", "X"],
    )
    # Every other field through the service, as a person would edit it.
    shelter_update(
        actor=coordinator,
        shelter=brest,
        languages=["fr", "bin", "pcm"],
        accepts_couples=True,
        max_children=2,
        wheelchair_access=True,
        dedicated_places=3,
        contact_name="Accueil",
        contact_phone="+33 2 98 00 00 00",
        contact_email="accueil@example.invalid",
    )
    lyon = make_shelter(
        network,
        '=Foyer, "Lyon"',
        commune="Lyon",
        departement="69",
        latitude=45.7485,
        longitude=4.8467,
        accepts_genders=["M"],
        exploitation_forms=["labour"],
        dedicated_places=1,
    )
    ends_on = timezone.localdate() + datetime.timedelta(days=3)
    unavailability_declare(actor=coordinator, shelter=brest, places=2, reason="Travaux", ends_on=ends_on)
    make_shelter(network, "Ailleurs", network.org("shelter_operator", "other"))

    shelters = Shelter.objects.filter(operator=operator).order_by("name")
    text = "".join(write_csv(export_rows("shelters", shelters)))
    exported = list(csv.DictReader(io.StringIO(text)))
    assert [row["free_places_now"] for row in exported] == ["1", "1"]
    assert exported[0]["name"] == '\'=Foyer, "Lyon"' and exported[1]["longitude"] == "-4.4861"
    for row in exported:
        row["name"] += " (copie)"
    report = import_shelters(actor=coordinator, data=to_csv(exported), filename="export.csv")
    assert report.ok and report.created == 2
    for original in (brest, lyon):
        copy = Shelter.objects.get(operator=operator, name=original.name + " (copie)")
        original.refresh_from_db()
        assert {f: getattr(copy, f) for f in SHELTER_FIELDS if f != "name"} == {
            f: getattr(original, f) for f in SHELTER_FIELDS if f != "name"
        }


def test_export_neutralises_formulas(network: Any) -> None:
    admin = network.user("administrator")
    names = ['=HYPERLINK("http://evil.example","Cliquez")', "+33 formule", "-2+3", "@SUM(A1)"]
    organisations = [organisation_create(actor=admin, name=f"{name} asso", kind="observer") for name in names]
    lines = list(write_csv(export_rows("organisations", organisations)))
    assert lines[0] == ",".join(ORGANISATION_COLUMNS) + "\r\n"
    cells = [row[0] for row in csv.reader(io.StringIO("".join(lines[1:])))]
    assert all(cell.startswith("'") for cell in cells)
    assert list(write_csv([["-4.4861", "-2", "-x", "a=b", "\tx"]])) == ["-4.4861,-2,'-x,a=b,'\tx\r\n"]
    sheet = load_workbook(io.BytesIO(write_xlsx(export_rows("organisations", organisations)))).worksheets[0]
    column = [sheet.cell(row=r, column=1) for r in range(2, len(names) + 2)]
    assert all(cell.data_type == "s" and str(cell.value).startswith("'") for cell in column)
    assert list(write_csv([["x"]], bom=True)) == ["\ufeffx\r\n"]


def test_xlsx_export_opens_with_its_header(network: Any) -> None:
    make_shelter(network, "Le Phare", dedicated_places=4)
    data = write_xlsx(export_rows("shelters", list(Shelter.objects.all())))
    rows = list(load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == (*SHELTER_COLUMNS, "free_places_now")
    assert rows[1][:4] == ("shelter_operator own", "Le Phare", "Marseille", "13") and rows[1][-1] == "4"
    header = next(
        iter(load_workbook(io.BytesIO(write_xlsx(export_rows("organisations", [])))).worksheets[0].values)
    )
    assert header == ORGANISATION_COLUMNS


def test_a_long_bad_value_is_quoted_as_a_short_excerpt(network: Any) -> None:
    long_code = "Z" * 5000
    long_column = "colour" * 1000
    header = f"name,kind,departement,exploitation_forms,{long_column}\n"
    data = f"{header}Association Nord,referrer,{long_code},{'x' * 3000}|sexual,\n".encode()
    report = import_organisations(actor=network.user("administrator"), data=data, filename="o.csv")
    assert [(e.line, e.column) for e in report.errors] == [(1, f"{long_column[:39]}…")]
    data = data.replace(f",{long_column}".encode(), b"")
    report = import_organisations(actor=network.user("administrator"), data=data, filename="o.csv")
    by_column = {e.column: e.message for e in report.errors}
    assert by_column == {
        "departement": f"Unknown département: {'Z' * 39}….",
        "exploitation_forms": f"Unknown form of exploitation: {'x' * 39}….",
    }


def test_a_message_from_elsewhere_quoting_the_cell_is_shortened_too() -> None:
    check = network_io._Checker(7, ["short", "y" * 500])
    check.add("name", f"The value {'y' * 500!r} is not valid.")
    assert check.errors == [RowError(7, "name", f"The value '{'y' * 39}…' is not valid.")]


def test_a_header_of_thousands_of_columns_is_refused_at_once(network: Any) -> None:
    # The walk of issue 12: a 4 MB workbook whose first row held 16,000 columns held a worker
    # for 28 seconds (each name compared with every one before it) and answered 16,006 errors.
    header = ",".join(f"c{i}" for i in range(16_000))
    data = f"name,kind,{header}\nAssociation Nord,referrer\n".encode()
    report = import_organisations(actor=network.user("administrator"), data=data, filename="o.csv")
    assert [(e.line, e.message) for e in report.errors] == [
        (1, f"At most {network_io.MAX_COLUMNS} columns can be imported.")
    ]
