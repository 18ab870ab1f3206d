"""The command line in Korean: `accord --lang ko`, ACCORD_LANG, the POSIX locale; English
unchanged; and every message the CLI prints goes through gettext (an AST check)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord import i18n
from accord.cli import app
from accord.cli.language import choose, from_locale
from accord.models import Plan

CLI = Path(__file__).resolve().parents[1] / "src" / "accord" / "cli"
runner = CliRunner()
# none of the language's sources, unless a test names one (None: removed for the run)
NEUTRAL: dict[str, str | None] = dict.fromkeys(("ACCORD_LANG", "LC_ALL", "LC_MESSAGES", "LANG"))


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str | None]:
    return {
        **NEUTRAL,
        "ACCORD_DATABASE_URL": database_url,
        "ACCORD_DATA_DIR": str(tmp_path / "ws"),
        "COLUMNS": "200",
    }


def run(env: dict[str, str | None], *args: str, **more: str | None):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, list(args), env={**env, **more})
    assert i18n.current() == "en"  # the command's language never outlives it
    return result


# -- choosing the language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ko_KR.UTF-8", "ko"),
        ("ko_KR.eucKR", "ko"),
        ("ko", "ko"),
        ("en_US.UTF-8", "en"),
        ("C", None),
        ("C.UTF-8", None),
        ("POSIX", None),
        ("fr_FR.UTF-8", None),
        ("", None),
    ],
)
def test_a_posix_locale_names_its_language(value: str, expected: str | None) -> None:
    assert from_locale(value) == expected


def test_the_option_beats_accord_lang_which_beats_the_locale_in_posix_order() -> None:
    korean = {"LANG": "ko_KR.UTF-8"}
    assert choose(None, {}) == "en"
    assert choose(None, korean) == "ko"
    assert choose(None, {**korean, "LC_MESSAGES": "C"}) == "en"  # LC_MESSAGES before LANG
    assert choose(None, {**korean, "LC_ALL": "POSIX"}) == "en"  # LC_ALL before everything
    assert choose(None, {"LC_ALL": "", "LC_MESSAGES": "ko_KR.UTF-8", "LANG": "C"}) == "ko"
    assert choose(None, {"LANG": "fr_FR.UTF-8"}) == "en"  # a language accord lacks
    assert choose(None, {"ACCORD_LANG": "ko", "LC_ALL": "C"}) == "ko"
    assert choose(None, {"ACCORD_LANG": "fr", "LANG": "ko_KR.UTF-8"}) == "ko"  # fr: ignored
    assert choose("en", {"ACCORD_LANG": "ko", "LANG": "ko_KR.UTF-8"}) == "en"
    assert choose("ko", {"ACCORD_LANG": "en"}) == "ko"


# -- the commands in Korean ----------------------------------------------------------------


def test_an_error_from_fail_in_korean_by_option_variable_and_locale(tmp_path: Path) -> None:
    """No workspace yet: `accord summary` fails with a message of the CLI's own."""
    (tmp_path / "fresh").mkdir()
    env = {**NEUTRAL, "ACCORD_DATABASE_URL": None, "ACCORD_DATA_DIR": str(tmp_path / "fresh")}
    english = run(env, "summary")
    assert english.exit_code == 1
    assert "error: no accord database at" in english.output
    assert "run `accord init` first" in english.output
    korean = "에 accord 데이터베이스가 없습니다. 먼저 `accord init`을 실행하십시오."
    for result in (
        run(env, "--lang", "ko", "summary"),
        run(env, "summary", ACCORD_LANG="ko"),
        run(env, "summary", LANG="ko_KR.UTF-8"),
        run(env, "summary", LC_MESSAGES="ko_KR.UTF-8", LANG="en_US.UTF-8"),
    ):
        assert result.exit_code == 1
        assert result.output.startswith("오류: ") and korean in result.output, result.output
        assert "error:" not in result.output
    for result in (
        run(env, "--lang", "en", "summary", ACCORD_LANG="ko"),
        run(env, "summary", LC_ALL="C", LANG="ko_KR.UTF-8"),
        run(env, "summary", ACCORD_LANG="en", LANG="ko_KR.UTF-8"),
    ):
        assert result.output == english.output


def test_a_usage_error_of_our_own_in_korean(env: dict[str, str | None]) -> None:
    english = run(env, "evidence", "add", "2026", "C1.1.1")
    assert english.exit_code == 1
    assert english.output == "error: give exactly one of --file, --link, --note\n"
    korean = run(env, "evidence", "add", "2026", "C1.1.1", ACCORD_LANG="ko")
    assert korean.exit_code == 1
    assert korean.output == "오류: --file, --link, --note 중 정확히 하나를 지정해야 합니다.\n"


def test_the_root_option_accepts_only_en_and_ko(env: dict[str, str | None]) -> None:
    result = run(env, "--lang", "fr", "plan", "list")
    assert result.exit_code == 2 and "--lang" in result.output


def test_success_lines_and_table_headers_in_korean(env: dict[str, str | None], opcon: Plan) -> None:
    english = run(env, "plan", "list")
    assert english.exit_code == 0, english.output
    assert re.search(r"code\s+title\s+target", english.output)
    assert "illustrative" in english.output
    for result in (
        run(env, "--lang", "ko", "plan", "list"),
        run(env, "plan", "list", LANG="ko_KR.UTF-8"),
    ):
        assert result.exit_code == 0, result.output
        assert re.search(r"코드\s+제목\s+목표일", result.output), result.output
        assert "예시" in result.output and "illustrative" not in result.output
    assert run(env, "--lang", "en", "plan", "list").output == english.output

    ok = run(env, "audit", "verify")
    assert ok.exit_code == 0 and ok.output.startswith("audit trail intact: ")
    korean = run(env, "--lang", "ko", "audit", "verify")
    assert korean.exit_code == 0 and korean.output.startswith("감사 기록 무결: "), korean.output


def test_the_summary_in_korean_keeps_the_english_one_word_for_word(
    env: dict[str, str | None], opcon: Plan
) -> None:
    english = run(env, "summary")
    assert "Meaningful progress across 7 of 9 fields" in english.output
    assert re.search(r"node\s+title\s+score\s+met", english.output)
    assert "Stage readiness" in english.output
    korean = run(env, "summary", ACCORD_LANG="ko")
    assert korean.exit_code == 0, korean.output
    assert "단계별 준비 상태" in korean.output and "Stage readiness" not in korean.output
    assert "분야 9개 중 7개에서 유의미한 진전" in korean.output  # i18n.progress_statement
    assert re.search(r"노드\s+제목\s+점수\s+충족", korean.output), korean.output
    # the plan's Korean titles, learned from the stored framework by this new process
    assert "조건에 기초한 전시작전통제권" in korean.output
    assert "Conditions-based Wartime" in english.output
    assert "조건에 기초한" not in english.output


def test_the_report_follows_the_cli_language_unless_its_own_lang_says(
    env: dict[str, str | None], opcon: Plan, tmp_path: Path
) -> None:
    for name in ("default", "ko", "en"):
        (tmp_path / name).mkdir()
    default = tmp_path / "default" / "report.md"  # the same name: the figures' folder too
    assert run(env, "report", "2025", "-o", str(default)).exit_code == 0
    korean = tmp_path / "ko" / "report.md"
    result = run(env, "--lang", "ko", "report", "2025", "-o", str(korean))
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{korean} 파일을 썼습니다")
    english = tmp_path / "en" / "report.md"
    result = run(env, "report", "2025", "--lang", "en", "-o", str(english), ACCORD_LANG="ko")
    assert result.exit_code == 0 and "파일을 썼습니다" in result.output  # the CLI's language
    assert _undated(english) == _undated(default)  # the report's own --lang
    assert "부록: 기준 및 평정" in korean.read_text("utf-8")
    assert not re.search("[가-힣]", _undated(default))


def _undated(path: Path) -> str:
    """A report's text without the time it was written."""
    return re.sub(r"\d{4}-\d\d-\d\dT[\d:.+Z-]+", "", path.read_text("utf-8"))


# -- every printed message goes through gettext --------------------------------------------

GETTEXT = {"_", "gettext", "ngettext", "pgettext", "lazy_gettext"}
MARKUP = re.compile(r"\[/?[a-z][a-z0-9 _.#-]*\]|\[/\]")
SYMBOLS = {"sha-256", "Δ"}  # the same in every language
PRINTERS = {
    ("out", "print"),
    ("err", "print"),
    ("err", "status"),
    ("typer", "echo"),
    ("typer", "BadParameter"),
    ("getpass", "getpass"),
}


def _sinks(call: ast.Call) -> Iterator[ast.expr]:
    """The arguments of `call` that reach the reader as text, if it is a printing call."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else ""
    attr = func.attr if isinstance(func, ast.Attribute) else ""
    owner = (
        func.value.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
        else ""
    )
    printing = (
        name in ("fail", "_progress", "progress_bar")
        or attr == "add_column"
        or (owner, attr) in PRINTERS
    )
    if printing and call.args:
        yield call.args[0]
    if name == "Table" or attr == "Table":
        yield from (k.value for k in call.keywords if k.arg == "title")


def _assignments(scope: ast.AST) -> dict[str, list[ast.expr]]:
    found: dict[str, list[ast.expr]] = {}
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None:
                found.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            # `for col in ("a", "b"): table.add_column(col)`: the iterated literals
            found.setdefault(node.target.id, []).append(node.iter)
    return found


def _bare_text(expr: ast.expr, names: dict[str, list[ast.expr]], seen: set[str]) -> list[str]:
    """English words in `expr` that no gettext call wraps (Rich markup tags aside)."""
    if isinstance(expr, ast.Constant):
        text = MARKUP.sub("", expr.value) if isinstance(expr.value, str) else ""
        if text.strip() in SYMBOLS:
            return []
        return [expr.value] if re.search(r"[^\W\d_]", text) else []
    if isinstance(expr, ast.Call):  # _(…), a helper that translates, str(exc), ", ".join(…)
        return []
    if isinstance(expr, ast.Name):
        if expr.id in seen:
            return []
        seen.add(expr.id)
        return [t for v in names.get(expr.id, []) for t in _bare_text(v, names, seen)]
    children: list[ast.expr] = []
    if isinstance(expr, ast.JoinedStr):
        children = list(expr.values)
    elif isinstance(expr, ast.FormattedValue):
        children = [expr.value]
    elif isinstance(expr, ast.BinOp):
        children = [expr.left, expr.right]
    elif isinstance(expr, ast.IfExp):
        children = [expr.body, expr.orelse]
    elif isinstance(expr, ast.BoolOp):
        children = list(expr.values)
    elif isinstance(expr, ast.Tuple | ast.List):
        children = list(expr.elts)
    # a subscript's key, a comparison, an attribute: data, not text
    return [t for c in children for t in _bare_text(c, names, seen)]


def untranslated(source: str, filename: str = "<src>") -> list[str]:
    """`file:line: text` for each printed text of `source` that bypasses gettext."""
    tree = ast.parse(source, filename)
    problems = [
        f"{filename}:{n.lineno}: `_` rebound: gettext is shadowed"
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
    ]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            problems += [f"{filename}:{node.lineno}: {p}" for p in _placeholder_problems(node)]
    for node in ast.walk(tree):  # babel's extractor does not look inside an f-string
        if isinstance(node, ast.FormattedValue):
            calls = [c for c in ast.walk(node.value) if isinstance(c, ast.Call)]
            if any(isinstance(c.func, ast.Name) and c.func.id in GETTEXT for c in calls):
                problems.append(f"{filename}:{node.lineno}: gettext inside an f-string")
    scopes = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    for scope in scopes:
        names = _assignments(scope)
        for node in ast.walk(scope):
            if isinstance(node, ast.Call):
                for arg in _sinks(node):
                    for text in _bare_text(arg, names, set()):
                        problems.append(f"{filename}:{node.lineno}: {text!r}")
    return sorted(set(problems))


RESERVED = {"_": {"message"}, "gettext": {"message"}, "ngettext": {"singular", "plural", "num"}}


def _placeholder_problems(call: ast.Call) -> list[str]:
    """A gettext call whose keywords do not fill its placeholders: a KeyError, or a TypeError
    for a keyword that is also a parameter of gettext, at the moment it is printed."""
    name = call.func.id if isinstance(call.func, ast.Name) else ""
    texts = [a.value for a in call.args[:2] if isinstance(a, ast.Constant)]
    if name not in RESERVED or not texts or not all(isinstance(t, str) for t in texts):
        return []
    given = {k.arg for k in call.keywords}
    wanted = {p for t in texts for p in re.findall(r"%\((\w+)\)", t)} - {"num"}
    out = [f"{name}() keyword {k!r} is a parameter of it" for k in given & RESERVED[name]]
    if None not in given:  # no **values: every placeholder must be given
        out += [f"placeholder %({p})s not given" for p in sorted(wanted - given)]
    return out


def test_the_checker_finds_english_that_bypasses_gettext() -> None:
    bad = """
def f(x, exc):
    out.print("no plans yet")
    out.print(f"wrote {x} bytes", highlight=False)
    raise fail(f"{x}: " + ("cannot read" if exc else ""))
    label = "ready" if x else "[red]not ready[/]"
    err.print(label)
    for col in ("code", "title", ""):
        table.add_column(col)
    t = Table(title=f"Stages of {x}")
    secret, _ = x
    out.print(f"[bold]{_('Whole plan')}[/]")
    out.print(_("Skill: %(message)s", message=x))
    out.print(_("%(a)s and %(b)s", a=x))
"""
    assert untranslated(bad) == [
        "<src>:10: 'Stages of '",
        "<src>:11: `_` rebound: gettext is shadowed",
        "<src>:12: gettext inside an f-string",
        "<src>:13: _() keyword 'message' is a parameter of it",
        "<src>:14: placeholder %(b)s not given",
        "<src>:3: 'no plans yet'",
        "<src>:4: ' bytes'",
        "<src>:4: 'wrote '",
        "<src>:5: 'cannot read'",
        "<src>:7: '[red]not ready[/]'",
        "<src>:7: 'ready'",
        "<src>:9: 'code'",
        "<src>:9: 'title'",
    ]
    good = """
def f(x, exc, doc):
    out.print(_("no plans yet"))
    out.print(f"[bold yellow]{doc['notice']}[/]")
    out.print(table)
    out.print(doc["message"], highlight=False)
    raise fail(cannot_read(x, exc))
    label = _("error:")
    err.print(f"[bold red]{label}[/] {x}", highlight=False)
    out.print("[green]" + _("ready") + "[/]")
    for col in (_("code"), ""):
        table.add_column(col)
    out.print(f"  {x:<15} {doc}", highlight=False)
"""
    assert untranslated(good) == []


def test_every_message_the_cli_prints_goes_through_gettext() -> None:
    problems = [
        p
        for path in sorted(CLI.glob("*.py"))
        for p in untranslated(path.read_text("utf-8"), path.name)
    ]
    assert not problems, "printed without _():\n" + "\n".join(problems)


# -- --help ------------------------------------------------------------------------------

HANGUL = re.compile("[\uac00-\ud7a3]")


def _ko(english: str) -> str:
    """The Korean of a help text, checked to be a translation."""
    korean = i18n.translations("ko").gettext(english)
    assert korean != english and HANGUL.search(korean), f"no Korean for {english!r}"
    return korean


ROOT_HELP = "accord: conditions-based transitions, jointly evaluated."
PLAN_LIST_HELP = "List the plans in the workspace."
DATA_DIR_HELP = "Workspace directory (default .accord)."


@pytest.mark.parametrize(
    ("args", "more"),
    [
        (["--lang", "ko", "--help"], {}),  # --lang is eager: read before --help
        (["--help"], {"ACCORD_LANG": "ko"}),
        (["--help"], {"LANG": "ko_KR.UTF-8"}),
        ([], {"LC_ALL": "ko_KR.UTF-8", "LANG": "en_US.UTF-8"}),  # no_args_is_help
    ],
)
def test_the_root_help_in_korean_by_option_variable_and_locale(
    env: dict[str, str | None], args: list[str], more: dict[str, str]
) -> None:
    result = run(env, *args, **more)
    assert result.exit_code in (0, 2), result.output  # Click exits 2 for no_args_is_help
    assert _ko(ROOT_HELP) in result.output
    assert _ko("Commands") in result.output and _ko("Show this message and exit.") in result.output
    assert _ko("Plans: create one from a framework file, list them.") in result.output  # a row
    assert ROOT_HELP not in result.output and "Show this message" not in result.output


@pytest.mark.parametrize(
    ("args", "more"),
    [
        (["--lang", "ko", "plan", "list", "--help"], {}),  # the root callback runs first
        (["plan", "list", "--help"], {"ACCORD_LANG": "ko"}),
        (["plan", "list", "--help"], {"LANG": "ko_KR.UTF-8"}),
        (["--lang", "ko", "plan", "list", "--help"], {"ACCORD_LANG": "en"}),
    ],
)
def test_a_subcommand_help_in_korean_by_option_variable_and_locale(
    env: dict[str, str | None], args: list[str], more: dict[str, str]
) -> None:
    result = run(env, *args, **more)
    assert result.exit_code == 0, result.output
    assert _ko(PLAN_LIST_HELP) in result.output
    assert _ko(DATA_DIR_HELP) in result.output  # an option's help=, shared by many commands
    assert _ko("Options") in result.output and _ko("[env var: {}]").format("ACCORD_DATA_DIR") in (
        result.output
    )
    assert PLAN_LIST_HELP not in result.output and DATA_DIR_HELP not in result.output


def test_english_help_is_unchanged_after_a_korean_one(env: dict[str, str | None]) -> None:
    before = [run(env, *args).output for args in (["--help"], ["plan", "--help"])]
    assert HANGUL.search(run(env, "--lang", "ko", "plan", "--help").output)
    assert HANGUL.search(run(env, "--help", ACCORD_LANG="ko").output)
    after = [run(env, *args).output for args in (["--help"], ["plan", "--help"])]
    assert after == before  # the msgids were put back after the Korean help
    assert ROOT_HELP in before[0] and "Plans: create one from a framework file" in before[1]
    assert "Show this message and exit." in before[1] and "╭─ Commands ─" in before[1]
    assert not any(HANGUL.search(text) for text in before)
    assert "--lang ko" not in before[0]  # English: --lang en, or nothing set
    assert not HANGUL.search(run(env, "--lang", "en", "--help", ACCORD_LANG="ko").output)


def test_every_command_and_group_draws_its_help_in_the_cli_language() -> None:
    from typer.main import get_command

    from accord.cli.helptext import HelpCommand, HelpGroup

    def walk(command: object, path: str) -> Iterator[str]:
        if not isinstance(command, HelpCommand | HelpGroup):
            yield path or "accord"
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, f"{path} {name}".strip())

    assert not list(walk(get_command(app), "")), "not made by accord.cli.helptext.Typer"


def help_not_marked(source: str, filename: str = "<src>") -> list[str]:
    """Help texts that would stay English: a `help=` that is not `N_("literal")`, a command's
    docstring (Typer would show it, untranslated), a command without a marked `help=`, a
    typer.Typer (its commands would not translate their help)."""
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.keyword) and node.arg == "help":
            value = node.value
            marked = (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "N_"
                and len(value.args) == 1
                and isinstance(value.args[0], ast.Constant)
                and isinstance(value.args[0].value, str)
            )
            if not marked:
                problems.append(f"{where}: help= without N_(literal)")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "Typer"
            and getattr(node.func.value, "id", "") == "typer"
        ):
            problems.append(f"{where}: typer.Typer instead of helptext.Typer")
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for deco in node.decorator_list:
                if not (
                    isinstance(deco, ast.Call)
                    and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr in ("command", "callback")
                ):
                    continue
                if ast.get_docstring(node) is not None:
                    problems.append(f"{where}: docstring of command {node.name}")
                if not any(k.arg == "help" for k in deco.keywords):
                    problems.append(f"{where}: command {node.name} without help=")
    return sorted(problems)


def test_the_help_checker_finds_help_that_would_stay_english() -> None:
    bad = '''
sub = typer.Typer(help="Things.")
@sub.command("list")
def things(x: str = typer.Option(None, help="A thing.")) -> None:
    """List the things."""
@app.command(help=N_(f"{x}"))
def other(y: str = typer.Argument(..., help=_("Why."))) -> None:
    pass
'''
    assert help_not_marked(bad) == [
        "<src>:2: help= without N_(literal)",
        "<src>:2: typer.Typer instead of helptext.Typer",
        "<src>:4: command things without help=",
        "<src>:4: docstring of command things",
        "<src>:4: help= without N_(literal)",
        "<src>:6: help= without N_(literal)",
        "<src>:7: help= without N_(literal)",
    ]
    good = '''
sub = Typer(help=N_("Things."), no_args_is_help=True)
@sub.command("list", help=N_("List the things."))
def things(x: str = typer.Option(None, help=N_("A thing."))) -> None:
    pass
def helper() -> None:
    """Not a command: a helper keeps its docstring."""
'''
    assert help_not_marked(good) == []


def test_every_help_text_of_the_cli_is_marked_for_translation() -> None:
    problems = [
        p
        for path in sorted(CLI.glob("*.py"))
        for p in help_not_marked(path.read_text("utf-8"), path.name)
    ]
    assert not problems, "help text Typer would show in English only:\n" + "\n".join(problems)
