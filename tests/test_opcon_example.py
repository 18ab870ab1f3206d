"""The bundled OPCON plan and its illustrative history agree with the public record."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from accord.engine.scoring import encode, stage_readiness
from accord.engine.summary import EvaluationInput, summarize_history
from accord.formats import framework_yaml
from accord.models import Plan
from accord.services import evaluations
from accord.services.examples import example_text


@pytest.fixture(scope="module")
def fw():  # type: ignore[no-untyped-def]
    return framework_yaml.load(example_text("opcon", "framework.yaml"), "framework.yaml")


def test_structure_follows_the_public_record(fw) -> None:  # type: ignore[no-untyped-def]
    assert [p.code for p in fw.parties] == ["ROK", "US"]
    assert [c.code for c in fw.conditions] == ["C1", "C2", "C3"]
    assert "lead the combined defence" in fw.conditions[0].title
    assert "nuclear and missile" in fw.conditions[1].title
    assert "security environment" in fw.conditions[2].title.lower()
    assert len(list(fw.standards())) == 26  # the public count of capability tasks
    assert [s.code for s in fw.stages] == ["IOC", "FOC", "FMC"]
    assert fw.target_date.isoformat() == "2030-12-31"
    assert {b.code for b in fw.bodies} == {"MCM", "SCM"}
    assert fw.illustrative is True
    assert all(s.title_ko for s in fw.standards())
    ioc, foc, fmc = (set(s.requires) for s in fw.stages)
    assert ioc < foc < fmc


def _history(factory: sessionmaker[Session], plan: Plan):  # type: ignore[no-untyped-def]
    with factory() as s:
        evs = evaluations.list_evaluations(session=s, plan=plan)
        joint = evaluations.joint_ratings(session=s, evaluation_ids=[e.id for e in evs])
        parties = evaluations.party_ratings(session=s, evaluation_ids=[e.id for e in evs])
        return evs, joint, parties


def test_history_matches_the_public_milestones(fw, factory, opcon) -> None:  # type: ignore[no-untyped-def]
    evs, joint, parties = _history(factory, opcon)
    assert [e.code for e in evs] == [str(y) for y in range(2019, 2027)]
    assert all(e.illustrative for e in evs)
    concluded = [e for e in evs if joint.get(e.id)]
    assert [e.code for e in concluded] == [str(y) for y in range(2019, 2026)]
    assert all(len(joint[e.id]) == 26 for e in concluded)
    assert evs[-1].status == "open" and not joint.get(evs[-1].id)

    inputs = [
        EvaluationInput(
            e.code, encode(fw, joint[e.id]), {p: encode(fw, r) for p, r in parties[e.id].items()}
        )
        for e in concluded
    ]
    summaries = dict(zip([e.code for e in concluded], summarize_history(fw, inputs), strict=True))
    for code, s in summaries.items():
        ioc, foc, _fmc = s.stages
        assert ioc.ready, f"IOC verified in 2019 and held since ({code})"
        assert not foc.ready, f"FOC not certified by 2025 ({code})"
    assert len(summaries["2025"].stages[1].blocking) <= 3
    assert len(summaries["2022"].stages[1].blocking) > len(summaries["2025"].stages[1].blocking)
    meaningful = {c: s.progress.meaningful for c, s in summaries.items() if s.progress}
    assert meaningful["2023"] and meaningful["2025"], "meaningful progress 2023 and 2025"
    assert not meaningful["2020"] and not meaningful["2024"]
    assert summaries["2025"].progress.statement.startswith(
        "Meaningful progress across 7 of 9 fields"
    )
    for code, s in summaries.items():
        (pair,) = s.agreement
        assert pair.parties == ("ROK", "US")
        assert 0 < len(pair.overall.divergent) < 26 * 0.35, f"realistic divergences in {code}"


def test_every_party_rating_is_on_its_scale(fw, factory, opcon) -> None:  # type: ignore[no-untyped-def]
    evs, joint, parties = _history(factory, opcon)
    for e in evs:
        for ratings in [joint.get(e.id, {}), *parties.get(e.id, {}).values()]:
            encode(fw, ratings)  # raises on a label that is not on the standard's scale
    first = encode(fw, joint[evs[0].id])
    assert stage_readiness(fw, first)[0].ready
