"""History import from CSV: creates concluded evaluations, adds ratings, all or nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from accord.cli import app
from accord.db import transaction
from accord.models import Evaluation, JointRating, PartyRating, Plan
from accord.services import history
from accord.services.actors import SYSTEM

runner = CliRunner()
HEADER = "evaluation,date,standard,party,level,rationale\n"
GOOD = HEADER + (
    "2015 annual joint evaluation,2015-10-30,C1.1.1,ROK,Initial,early days\n"
    "2015 annual joint evaluation,2015-10-30,C1.1.1,US,0.0,\n"
    "2015 annual joint evaluation,2015-10-30,C1.1.1,joint,Initial,agreed\n"
    "2016,2016-10-30,C1.1.2,joint,Developing,\n"
)


def _counts(factory: sessionmaker[Session]) -> tuple[int, int, int]:
    with factory() as s:
        return (
            s.scalar(select(func.count(Evaluation.id))) or 0,
            s.scalar(select(func.count(PartyRating.id))) or 0,
            s.scalar(select(func.count(JointRating.id))) or 0,
        )


def test_import_creates_concluded_evaluations(factory: sessionmaker[Session], opcon: Plan) -> None:
    before = _counts(factory)
    with transaction(factory) as s:
        result = history.import_history(
            session=s, actor=SYSTEM, plan_code=opcon.code, data=GOOD.encode(), name="h.csv"
        )
    assert result["created"] == ["2015-annual-joint-evaluation", "2016"]
    assert (result["party_ratings"], result["joint_ratings"]) == (2, 2)
    after = _counts(factory)
    assert after == (before[0] + 2, before[1] + 2, before[2] + 2)
    with factory() as s:
        ev = s.scalar(select(Evaluation).where(Evaluation.code == "2016"))
        assert ev is not None and ev.status == "concluded"


def test_every_problem_by_row_and_nothing_written(
    factory: sessionmaker[Session], opcon: Plan
) -> None:
    bad = HEADER + (
        "2015,2015-10-30,C9.9.9,ROK,Initial,\n"
        "2015,2015-10-30,C1.1.1,FR,Initial,\n"
        "2015,2015-10-30,C1.1.1,ROK,Stellar,\n"
        "2015,2015-11-01,C1.1.2,ROK,Initial,\n"
        "2015,2015-10-30,C1.1.3,ROK,Initial,\n"
        "2015,2015-10-30,C1.1.3,ROK,Partial,\n"
        "2025 annual joint evaluation,2025-10-17,C1.1.1,joint,Initial,\n"
        "2026,2026-10-30,C1.1.1,ROK,Initial,\n"
        "2015,not-a-date,C1.1.1,ROK,Initial,\n"
    )
    before = _counts(factory)
    try:
        with transaction(factory) as s:
            history.import_history(
                session=s, actor=SYSTEM, plan_code=opcon.code, data=bad.encode(), name="h.csv"
            )
    except history.HistoryRejected as exc:
        problems = exc.problems
    else:
        raise AssertionError("accepted a broken history")
    text = "\n".join(problems)
    for line in (
        "row 2: unknown standard 'C9.9.9'",
        "row 3: unknown party 'FR'",
        "row 4: 'Stellar' is not a level of C1.1.1's scale",
        "row 5: evaluation '2015' has date 2015-10-30 on row 2",
        "row 7: duplicate of row 6",
        "row 8: evaluation 2025 already has",
        "row 9: evaluation '2026' is open: history is added only to concluded evaluations",
        "row 10: date 'not-a-date' is not a date as YYYY-MM-DD",
    ):
        assert line in text, (line, text)
    assert _counts(factory) == before


def test_cli_history_import(database_url: str, tmp_path: Path, opcon: Plan) -> None:
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "ws")}
    f = tmp_path / "h.csv"
    f.write_text(GOOD)
    r = runner.invoke(app, ["history", "import", str(f), "--plan", opcon.code], env=env)
    assert r.exit_code == 0 and "evaluations created: 2015-annual-joint-evaluation, 2016" in (
        r.output
    ), r.output
    r = runner.invoke(app, ["history", "import", str(f)], env=env)
    assert r.exit_code == 1 and "already has the same rating (a duplicate)" in r.output
