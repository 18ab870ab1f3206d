"""What every benchmark shares: the machine's description and merging into results.json."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results.json"


def cpu_model() -> str:
    """The CPU's model name, from /proc/cpuinfo where there is one."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def save(key: str, record: dict[str, Any]) -> None:
    """Store `record` under `key` in bench/results.json, keeping the other benchmarks' keys."""
    results: dict[str, Any] = {}
    if RESULTS.exists():
        try:
            loaded = json.loads(RESULTS.read_text())
            if isinstance(loaded, dict):
                results = loaded
        except json.JSONDecodeError:
            print(f"warning: {RESULTS} was not valid JSON; rewriting it", file=sys.stderr)
    results[key] = record
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
