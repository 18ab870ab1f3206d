"""The framework YAML format: positions of every problem, malformed YAML, the shipped schema."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest
import yaml

from accord.formats import framework_yaml
from accord.services.examples import example_text

GOOD = """\
code: mini
title: {en: Mini plan, ko: 미니 계획}
version: "1"
target_date: 2030-12-31
parties:
  - {code: A, name: Alpha}
  - {code: B, name: Beta}
scales:
  - code: s
    levels:
      - {label: low, value: 0}
      - {label: high, value: 1}
conditions:
  - code: C1
    title: One
    fields:
      - code: F1
        title: Field
        standards:
          - {code: S1, title: First, threshold: high}
stages:
  - {code: IOC, target_date: 2026-01-31, requires: [S1]}
"""


def test_good_document_loads_with_dates_and_bilingual_title() -> None:
    fw = framework_yaml.load(GOOD, "mini.yaml")
    assert fw.title == "Mini plan" and fw.title_ko == "미니 계획"
    assert fw.target_date is not None and fw.target_date.isoformat() == "2030-12-31"
    assert fw.stages[0].target_date is not None
    assert fw.scale("s").levels[1].label == "high"


def test_every_problem_is_reported_with_its_line_and_column() -> None:
    broken = (
        GOOD.replace("{code: B, name: Beta}", "{code: A, name: Again}")
        .replace("threshold: high}", "threshold: middle, weight: -1}")
        .replace("requires: [S1]", "requires: [S1, S9]")
        .replace("    title: One\n", "    title: One\n    colour: red\n")
    )
    fw, diagnostics = framework_yaml.validate(broken, "plan.yaml")
    assert fw is None
    rendered = [str(d) for d in diagnostics]
    assert "plan.yaml:7:6: duplicate party code 'A' (first defined on line 6)" in rendered
    assert any(r.startswith("plan.yaml:16:5: unknown key 'colour'") for r in rendered)
    assert any(
        r.startswith("plan.yaml:21:") and "threshold 'middle' is not a level" in r for r in rendered
    )
    assert any(
        r.startswith("plan.yaml:21:") and "weight must be a positive number" in r for r in rendered
    )
    assert any(r.startswith("plan.yaml:23:") and "unknown standard 'S9'" in r for r in rendered)
    assert [d.line for d in diagnostics] == sorted(d.line for d in diagnostics)


def test_duplicate_yaml_keys_are_reported() -> None:
    _, diagnostics = framework_yaml.validate(
        GOOD.replace('version: "1"\n', 'version: "1"\nversion: "2"\n'), "d.yaml"
    )
    assert "d.yaml:4:1: duplicate key 'version'" in [str(d) for d in diagnostics]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("code: x\ntitle: [unclosed\n", 3, "invalid YAML"),
        ("code: x\n  bad indent: y\n", 2, "invalid YAML"),
        ("\tcode: x\n", 1, "invalid YAML"),
    ],
)
def test_malformed_yaml_is_one_positioned_message(text: str, line: int, fragment: str) -> None:
    fw, diagnostics = framework_yaml.validate(text, "m.yaml")
    assert fw is None and len(diagnostics) == 1
    assert diagnostics[0].line == line and fragment in diagnostics[0].message


def test_empty_and_non_mapping_documents() -> None:
    assert [d.message for d in framework_yaml.validate("", "e.yaml")[1]] == ["the file is empty"]
    _, diagnostics = framework_yaml.validate("- a\n- b\n", "l.yaml")
    assert any("must be a mapping" in d.message for d in diagnostics)


def test_load_raises_with_all_diagnostics() -> None:
    with pytest.raises(framework_yaml.FrameworkError) as info:
        framework_yaml.load(GOOD.replace("threshold: high", "threshold: nope"), "x.yaml")
    assert "x.yaml:20:" in str(info.value)


def test_shipped_schema_is_valid_and_accepts_the_opcon_plan() -> None:
    text = resources.files("accord.formats").joinpath("framework.schema.json").read_text()
    sch = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(sch)
    data = yaml.load(example_text("opcon", "framework.yaml"), Loader=framework_yaml._Loader)
    assert list(jsonschema.Draft202012Validator(sch).iter_errors(data)) == []


def test_schema_rejects_unknown_keys_that_the_engine_ignores() -> None:
    _, diagnostics = framework_yaml.validate(
        GOOD.replace("code: mini", "code: mini\nowner: me"), "u.yaml"
    )
    assert [d.message.split(" (")[0] for d in diagnostics] == ["unknown key 'owner'"]


def test_content_hash_is_sha256_of_the_text() -> None:
    import hashlib

    assert framework_yaml.content_hash(GOOD) == hashlib.sha256(GOOD.encode()).hexdigest()


def test_hostile_yaml_is_refused_before_it_is_built() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    fw, diagnostics = framework_yaml.validate(bomb, "bomb.yaml")
    assert fw is None and len(diagnostics) == 1
    assert str(diagnostics[0]).startswith("bomb.yaml:2:") and "aliases" in diagnostics[0].message
    deep = "x: " + "[" * 200 + "]" * 200 + "\n"
    assert "nested deeper" in framework_yaml.validate(deep, "deep.yaml")[1][0].message
    huge = "code: x\n" + "# padding\n" * (framework_yaml.MAX_CHARS // 10 + 1)
    assert "file too large" in framework_yaml.validate(huge, "huge.yaml")[1][0].message
