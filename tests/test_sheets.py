"""Party rating sheets: export, fill offline, import back (CLI, API, page); hostile files."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from typer.testing import CliRunner

from accord.cli import app
from accord.formats import sheets as fmt

runner = CliRunner()
API = "/api/v1/plans/opcon-cotp/evaluations/2026"
PAGE = "/plans/opcon-cotp/evaluations/2026"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fill(data: bytes, levels: dict[str, str], **cells: str) -> bytes:
    """Set levels by standard code (rationale 'offline'), and any cell by reference."""
    wb = load_workbook(io.BytesIO(data))
    ws = wb[fmt.RATINGS]
    for row in ws.iter_rows(min_row=2):
        if row[0].value in levels:
            row[6].value = levels[row[0].value]
            row[7].value = "offline"
    for ref, value in cells.items():
        ws[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def row_of(data: bytes, code: str) -> int:
    ws = load_workbook(io.BytesIO(data))[fmt.RATINGS]
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == code)


@pytest.fixture
def rok(as_user: Callable[[str], TestClient]) -> TestClient:
    return as_user("rok-evaluator")


def export(client: TestClient, party: str = "ROK", format: str = "xlsx") -> bytes:
    r = client.get(f"{API}/sheet", params={"party": party, "format": format})
    assert r.status_code == 200, r.text
    return r.content


def upload(client: TestClient, data: bytes, name: str = "s.xlsx") -> Any:
    return client.post(f"{API}/sheet", files={"file": (name, data, XLSX)})


def own(client: TestClient) -> dict[str, dict[str, object]]:
    return {r["standard"]: r for r in client.get(f"{API}/ratings/ROK").json()}


def test_the_workbook_has_drop_downs_locks_instructions_and_its_record(rok: TestClient) -> None:
    wb = load_workbook(io.BytesIO(export(rok)))
    assert wb.sheetnames == ["Ratings", "Lists", "Instructions", "_accord"]
    ws = wb["Ratings"]
    assert [c.value for c in ws[1]][:8] == [
        "Code",
        "Condition",
        "Field",
        "Title",
        "Description",
        "Threshold",
        "Level",
        "Rationale",
    ]
    assert ws.protection.sheet and ws["A2"].protection.locked and not ws["G2"].protection.locked
    assert not ws["H2"].protection.locked
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert len(lists) == 2 and all(f.startswith("=Lists!") for f in lists)
    assert "N/A" in [c.value for c in wb["Lists"]["A"]]
    assert wb["_accord"].sheet_state == "veryHidden"
    assert wb["_accord"]["B5"].value == "ROK" and wb["_accord"]["B3"].value == "2026"


def test_round_trip_through_the_api(rok: TestClient) -> None:
    data = fill(export(rok), {"C1.1.1": "Full", "C1.1.2": "Partial"})
    r = upload(rok, data)
    assert r.status_code == 200, r.text
    assert r.json()["saved"] == 2
    assert own(rok)["C1.1.1"]["level"] == "Full" and own(rok)["C1.1.1"]["rationale"] == "offline"
    # the same sheet again: nothing changed, nothing written
    assert upload(rok, data).json()["saved"] == 0


def test_csv_round_trip(rok: TestClient) -> None:
    text = export(rok, format="csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == fmt.FORMAT and rows[1] == list(fmt.COLUMNS)
    for r in rows[2:]:
        if r[0] == "C1.1.1":
            r[6], r[7] = "Substantial", "csv"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    r = upload(rok, buf.getvalue().encode(), "s.csv")
    assert r.status_code == 200, r.text
    assert own(rok)["C1.1.1"]["level"] == "Substantial"
    for r in rows[2:]:
        if r[0] == "C1.1.1":
            r[6] = "Great"
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    bad = upload(rok, buf.getvalue().encode(), "s.csv")
    assert bad.status_code == 422
    assert "row 3, column level: 'Great' is not a level of C1.1.1's scale" in bad.json()["detail"]


def test_every_error_at_its_cell_and_nothing_written(rok: TestClient) -> None:
    data = export(rok)
    n = row_of(data, "C1.1.2")
    bad = fill(
        data,
        {"C1.1.1": "Full", "C1.1.3": "Excellent"},
        **{f"A{n}": "C9.9.9", f"D{row_of(data, 'C1.2.1')}": "Edited title"},
        **{f"H{row_of(data, 'C1.3.1')}": "=1+1", f"G{row_of(data, 'C1.3.1')}": "Full"},
    )
    # a duplicate row at the end
    wb = load_workbook(io.BytesIO(bad))
    ws = wb["Ratings"]
    last = ws.max_row + 1
    for col in range(1, 10):
        ws.cell(row=last, column=col, value=ws.cell(row=2, column=col).value)
    buf = io.BytesIO()
    wb.save(buf)
    r = upload(rok, buf.getvalue())
    assert r.status_code == 422
    detail = r.json()["detail"]
    c113 = row_of(data, "C1.1.3")
    for line in (
        f"Ratings!A{n}: unknown standard 'C9.9.9'",
        f"Ratings!G{c113}: 'Excellent' is not a level of C1.1.3's scale",
        f"Ratings!D{row_of(data, 'C1.2.1')}: the title of C1.2.1 was edited",
        f"Ratings!H{row_of(data, 'C1.3.1')}: a formula is not accepted",
        f"Ratings!A{last}: C1.1.1 appears twice (first on row 2)",
    ):
        assert line in detail, (line, detail)
    assert "C1.1.1" not in own(rok) or own(rok)["C1.1.1"]["level"] != "Full"


def test_a_rating_changed_since_the_export_is_a_conflict_at_its_cell(rok: TestClient) -> None:
    data = export(rok)
    r = rok.put(f"{API}/ratings", json={"ratings": [{"standard": "C1.1.1", "level": "Initial"}]})
    assert r.status_code == 200
    r = upload(rok, fill(data, {"C1.1.1": "Full", "C1.1.2": "Full"}))
    assert r.status_code == 422
    assert (
        "Ratings!G2: C1.1.1 changed in accord since this sheet was exported (now Initial, "
        "version 1): export a fresh sheet"
    ) in r.json()["detail"]
    assert own(rok)["C1.1.1"]["level"] == "Initial" and "C1.1.2" not in own(rok)
    # an untouched row is no conflict: the other rows still import
    assert upload(rok, fill(data, {"C1.1.2": "Full"})).json()["saved"] == 1


def test_blindness_and_the_wrong_party_or_evaluation(
    rok: TestClient, as_user: Callable[[str], TestClient]
) -> None:
    us = as_user("us-evaluator")
    assert us.get(f"{API}/sheet", params={"party": "ROK"}).status_code == 404
    assert as_user("observer").get(f"{API}/sheet").status_code == 403
    data = fill(export(rok), {"C1.1.1": "Full"})
    r = upload(us, data)
    assert r.status_code == 422
    assert "_accord!B5: this is party ROK's sheet; you rate for US" in r.json()["detail"]
    r = us.post(
        "/api/v1/plans/opcon-cotp/evaluations/2025/sheet", files={"file": ("s.xlsx", data, XLSX)}
    )
    assert (
        "_accord!B3: this sheet belongs to evaluation 2026 of plan opcon-cotp, not 2025"
        in (r.json()["detail"])
    )
    # an altered record (another uid) is refused
    wb = load_workbook(io.BytesIO(data))
    wb["_accord"]["B4"] = "00000000-0000-0000-0000-000000000000"
    buf = io.BytesIO()
    wb.save(buf)
    detail = upload(rok, buf.getvalue()).json()["detail"]
    assert "_accord!B7: the sheet's accord record was altered" in detail
    assert "_accord!B4: this sheet was exported from another evaluation 2026" in detail


def test_an_evaluation_no_longer_open_is_refused(rok: TestClient) -> None:
    url = "/api/v1/plans/opcon-cotp/evaluations/2025/sheet"
    data = fill(rok.get(url, params={"party": "ROK"}).content, {"C1.1.1": "Initial"})
    r = rok.post(url, files={"file": ("s.xlsx", data, XLSX)})
    assert r.status_code == 422
    assert "_accord!B3: evaluation 2025 is concluded, no longer open" in r.json()["detail"]


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return buf.getvalue()


def test_hostile_files_are_refused(rok: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    bomb = _zip({"xl/worksheets/sheet1.xml": b"<" + b"a" * 30_000_000 + b">"})
    assert len(bomb) < 100_000
    r = upload(rok, bomb)
    assert (
        r.status_code == 422
        and "more than the limit of 20,971,520 bytes (a zip bomb?)" in (r.json()["detail"])
    )
    ratio = _zip({"xl/worksheets/sheet1.xml": b"a" * 5_000_000})
    assert "more than 100x (a zip bomb?)" in upload(rok, ratio).json()["detail"]
    huge = b"PK\x03\x04" + b"\0" * (fmt.MAX_BYTES + 10)
    assert "larger than the limit of 5,242,880 bytes" in upload(rok, huge).json()["detail"]
    monkeypatch.setattr(fmt, "MAX_ROWS", 10)
    r = upload(rok, export(rok))
    assert r.status_code == 422 and "more than 10 rows" in r.json()["detail"]
    assert "not an XLSX workbook" in upload(rok, b"PK\x03\x04garbage").json()["detail"]


def test_page_download_link_and_upload_form(rok: TestClient) -> None:
    page = rok.get(PAGE)
    assert f"/api/v1{PAGE}/sheet?party=ROK&amp;format=xlsx" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    data = fill(export(rok), {"C1.1.1": "Full"})
    r = rok.post(f"{PAGE}/sheet", files={"file": ("s.xlsx", data, XLSX)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("saved=1")
    bad = fill(export(rok), {"C1.1.2": "Nope"})
    r = rok.post(f"{PAGE}/sheet", files={"file": ("s.xlsx", bad, XLSX)})
    assert r.status_code == 422 and "is not a level of C1.1.2" in r.text


def test_round_trip_through_the_cli(
    database_url: str, tmp_path: Path, people: dict[str, str]
) -> None:
    env = {
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "ACCORD_TOKEN": people["rok-evaluator"],
        "COLUMNS": "200",
    }
    out = tmp_path / "rok.xlsx"
    r = runner.invoke(app, ["sheet", "export", "2026", "--party", "ROK", "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    out.write_bytes(fill(out.read_bytes(), {"C1.1.1": "Full", "C1.1.2": "Partial"}))
    r = runner.invoke(app, ["sheet", "import", str(out)], env=env)
    assert r.exit_code == 0 and "2 rating(s) saved" in r.output, r.output
    out.write_bytes(fill(out.read_bytes(), {"C1.1.3": "Bogus"}))
    r = runner.invoke(app, ["sheet", "import", str(out)], env=env)
    assert r.exit_code == 1 and "is not a level of C1.1.3's scale" in r.output
    us = {**env, "ACCORD_TOKEN": people["us-evaluator"]}
    r = runner.invoke(app, ["sheet", "export", "2026", "--party", "ROK", "-o", str(out)], env=us)
    assert r.exit_code == 1 and "no rating sheet of party 'ROK'" in r.output
