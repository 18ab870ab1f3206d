"""CISO Assistant library import: tree mapping, scale, stages, errors, hostile files, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app as cli_app
from accord.formats import ciso_library, framework_dump, framework_yaml, safe_input

FIXTURES = Path(__file__).parent / "fixtures"
SMALL = FIXTURES / "ciso-small.yaml"


def convert(path: Path, **options: object) -> ciso_library.ImportResult:
    doc = safe_input.load_yaml(safe_input.read_limited(path), str(path))
    return ciso_library.convert(doc, str(path), **options)  # type: ignore[arg-type]


def convert_text(text: str, tmp_path: Path) -> ciso_library.ImportResult:
    path = tmp_path / "lib.yaml"
    path.write_text(text, "utf-8")
    return convert(path)


def test_tree_becomes_conditions_fields_standards() -> None:
    r = convert(SMALL)
    fw = r.framework
    assert [c.code for c in fw.conditions] == ["A", "B-group"]
    a = fw.conditions[0]
    assert [(f.code, [s.code for s in f.standards]) for f in a.fields] == [
        ("A.general", ["A.2"]),
        ("A.1", ["A.1.1", "A.1.2", "A.1.3.1"]),
    ]
    std = fw.standards_by_code
    assert std["A.1.1"].description == "The policy is approved by management."
    assert std["A.1.1"].guidance == "Look for the signed policy."
    assert std["A.1.3.1"].guidance.startswith("Section: Exceptions")  # flattened level
    assert std["A.1.2"].title == "The policy is reviewed every year."  # no name: description
    assert std["B"].title == "Continuity plan exists"  # an assessable root
    assert any("'C'" in n for n in r.notes)  # nothing assessable: left out, said so
    assert fw.code == "small-test" and fw.version == "3"
    assert "Copyright: Written for accord" in fw.description


def test_scores_definition_is_the_scale_and_groups_are_stages() -> None:
    fw = convert(SMALL).framework
    (scale,) = fw.scales
    assert [(lv.label, lv.value) for lv in scale.levels] == [
        ("Absent", 0.0),
        ("Ad hoc", 0.333333),
        ("Defined", 0.666667),
        ("Managed", 1.0),
    ]
    assert {s.threshold for s in fw.standards()} == {"Defined"}
    assert [(st.code, st.requires) for st in fw.stages] == [
        ("basic", ("A.1.1",)),
        ("advanced", ("A.1.1", "A.1.2")),
    ]
    fw3 = convert(SMALL, threshold="3", plan="mine", party_codes=["X", "Y"]).framework
    assert {s.threshold for s in fw3.standards()} == {"Managed"}
    assert fw3.code == "mine" and [p.code for p in fw3.parties] == ["X", "Y"]
    with pytest.raises(safe_input.ImportFailure, match="neither a score nor a level"):
        convert(SMALL, threshold="Great")


def test_output_is_canonical_framework_yaml() -> None:
    r = convert(SMALL)
    assert framework_dump.dump(framework_yaml.load(r.text)) == r.text


def test_no_scores_definition_uses_the_preset(tmp_path: Path) -> None:
    text = SMALL.read_text("utf-8")
    start = text.index("    min_score")
    end = text.index("    implementation_groups_definition")
    r = convert_text(text[:start] + text[end:], tmp_path)
    assert r.framework.scales[0].code == "implementation"


def test_unknown_parent_names_the_line() -> None:
    path = FIXTURES / "ciso-bad-parent.yaml"
    with pytest.raises(safe_input.ImportFailure) as err:
        convert(path)
    assert err.value.messages == [
        f"{path}:16: unknown parent_urn 'urn:accord:req_node:bad:nowhere'"
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1, 2\n", ":2:1: invalid YAML"),
        ("- 1\n", ":1: a CISO Assistant library must be a mapping"),
        ("objects: {}\n", ":1: no 'objects.framework' mapping"),
        (
            "objects:\n  framework:\n    requirement_nodes:\n    - {urn: x, assessable: false}\n",
            "no node is assessable",
        ),
        (
            "objects:\n  framework:\n    requirement_nodes:\n    - {urn: x}\n    - {urn: x}\n",
            ":5: duplicate urn 'x'",
        ),
        (
            "objects:\n  framework:\n    requirement_nodes:\n"
            "    - {urn: x, parent_urn: y, assessable: true}\n"
            "    - {urn: y, parent_urn: x}\n",
            "forms a cycle",
        ),
    ],
)
def test_bad_libraries(text: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(safe_input.ImportFailure) as err:
        convert_text(text, tmp_path)
    assert message in str(err.value)


def test_yaml_bomb_is_refused_before_expansion(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    with pytest.raises(safe_input.ImportFailure, match=r"lib.yaml:2:\d+: YAML aliases"):
        convert_text("\n".join(lines) + "\n", tmp_path)


def test_deep_yaml_is_refused(tmp_path: Path) -> None:
    with pytest.raises(safe_input.ImportFailure, match="nested deeper than 100 levels"):
        convert_text("[" * 150 + "]" * 150 + "\n", tmp_path)
    # far deeper: libyaml itself stops at 1000 levels, before anything is built
    with pytest.raises(safe_input.ImportFailure, match=r"lib.yaml:1:\d+: invalid YAML: .*nesting"):
        convert_text("[" * 100_000 + "]" * 100_000 + "\n", tmp_path)


def test_large_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:  # sparse: 50 MB on paper, nothing on disk
        fh.truncate(50 * 1024 * 1024)
    with pytest.raises(safe_input.ImportFailure, match=r"big.yaml:1:1: file too large \(50.0 MB"):
        safe_input.read_limited(path)


def test_cli_import_ciso(database_url: str, tmp_path: Path) -> None:
    env = {"ACCORD_DATABASE_URL": database_url, "ACCORD_DATA_DIR": str(tmp_path / "data")}
    out = tmp_path / "small.yaml"
    runner = CliRunner()
    r = runner.invoke(cli_app, ["framework", "import-ciso", str(SMALL), "-o", str(out)], env=env)
    assert r.exit_code == 0, r.output
    assert out.read_text("utf-8") == convert(SMALL).text
    r = runner.invoke(
        cli_app,
        ["framework", "import-ciso", str(SMALL), "--plan", "bcm", "--party", "P1", "--create-plan"],
        env=env,
    )
    assert r.exit_code == 0, r.output
    assert "created plan bcm (parties P1)" in r.output
    bad = FIXTURES / "ciso-bad-parent.yaml"
    target = tmp_path / "never.yaml"
    r = runner.invoke(cli_app, ["framework", "import-ciso", str(bad), "-o", str(target)], env=env)
    assert r.exit_code == 1 and f"{bad}:16: unknown parent_urn" in r.output
    assert not target.exists()
    r = runner.invoke(cli_app, ["framework", "import-ciso", str(SMALL)], env=env)
    assert r.exit_code == 1 and "-o FILE.yaml and/or --create-plan" in r.output
