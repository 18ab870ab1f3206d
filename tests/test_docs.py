"""Docs stay true: every CLI command and option, and every setting, is documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from accord.cli import app
from accord.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def _commands(group: Any, prefix: str = "accord") -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Typer may bundle its own copy of click, so look at the shape rather than the class
    subcommands = getattr(group, "commands", None)
    if subcommands:
        for name, cmd in subcommands.items():
            out.update(_commands(cmd, f"{prefix} {name}"))
    else:
        out[prefix] = group
    return out


def _sections(text: str) -> dict[str, str]:
    parts = re.split(r"^## `([^`]+)`\s*$", text, flags=re.M)
    return {parts[i].strip(): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_every_cli_command_and_option_is_documented() -> None:
    sections = _sections((ROOT / "docs" / "cli.md").read_text("utf-8"))
    commands = _commands(typer.main.get_command(app))
    assert len(commands) >= 7
    missing = sorted(set(commands) - set(sections))
    assert not missing, f"commands without a section in docs/cli.md: {missing}"
    for path, cmd in commands.items():
        for param in cmd.params:
            names = [o for o in getattr(param, "opts", []) if o.startswith("--")]
            if type(param).__name__ == "Argument":
                names = [param.name.upper()] if param.name else []
            for name in names:
                assert name in sections[path], f"docs/cli.md: `{path}` does not mention {name}"


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text("utf-8")
    for name in Settings.model_fields:
        assert f"ACCORD_{name.upper()}" in text, f"docs/settings.md lacks ACCORD_{name.upper()}"
    assert "ACCORD_TEST_DATABASE_URL" in text


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    first_block = re.search(r"```(?:sh|bash|console)?\n(.*?)```", text, re.S)
    assert first_block is not None
    assert first_block[1].split() == ["make", "demo", "make", "test"]
    assert text.index("make demo") < text.index("##")
