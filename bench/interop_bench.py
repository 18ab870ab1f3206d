"""Import benchmark: the SP 800-53 rev5 LOW OSCAL catalog and a 1,000-node CISO Assistant library.

Run with `PYTHONPATH=src python bench/interop_bench.py`.  The timed work is what
`accord framework import-oscal` / `import-ciso` do up to writing the file: read (size check),
parse (depth and alias checks), convert, validate and dump canonical YAML.  The reference
files come from ../shared/fixtures when present; when absent the OSCAL measurement is
skipped and the CISO library is generated, and the JSON says so.  Results are merged into
`bench/results.json` under "interop"; other keys are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from accord.formats import ciso_library, oscal_catalog, safe_input
from benchlib import cpu_model, save  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "fixtures"
OSCAL_LOW = SHARED / "oscal" / "NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"
CISO_NIST = SHARED / "ciso-assistant" / "nist-sp-800-53-rev5.yaml"
WARMUP, REPEATS = 1, 7
TARGETS_S = {"oscal_low": 3.0, "ciso_1000": 2.0}


def generated_library(path: Path, nodes: int = 1000) -> None:
    """A CISO Assistant library: 20 chapters of 49 assessable nodes (1,000 nodes in all)."""
    reqs: list[dict[str, Any]] = []
    per = nodes // 20 - 1
    for c in range(20):
        chapter = f"urn:bench:req_node:c{c}"
        reqs.append({"urn": chapter, "assessable": False, "depth": 1, "ref_id": f"C{c}",
                     "name": f"Chapter {c}"})  # fmt: skip
        for r in range(per):
            reqs.append(
                {
                    "urn": f"{chapter}.{r}",
                    "assessable": True,
                    "depth": 2,
                    "parent_urn": chapter,
                    "ref_id": f"C{c}.{r}",
                    "name": f"Requirement {c}.{r}",
                    "description": "The organisation does the thing it should. " * 8,
                    "implementation_groups": ["IG1"] if r % 3 == 0 else ["IG2"],
                }
            )
    lib = {
        "urn": "urn:bench:library",
        "ref_id": "bench",
        "name": "Generated benchmark library",
        "version": 1,
        "objects": {
            "framework": {
                "urn": "urn:bench:framework",
                "ref_id": "bench",
                "name": "Generated benchmark framework",
                "implementation_groups_definition": [
                    {"ref_id": "IG1", "name": "Group 1"},
                    {"ref_id": "IG2", "name": "Group 2"},
                ],
                "requirement_nodes": reqs,
            }
        },
    }
    path.write_text(yaml.safe_dump(lib, sort_keys=False), "utf-8")


def timed(work: Callable[[], int]) -> dict[str, Any]:
    for _ in range(WARMUP):
        work()
    times, count = [], 0
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        count = work()
        times.append(time.perf_counter() - t0)
    times.sort()
    return {
        "median_s": round(statistics.median(times), 4),
        "max_s": round(times[-1], 4),
        "standards": count,
        "repeats": REPEATS,
        "warmup": WARMUP,
    }


def import_oscal(path: Path) -> int:
    data = safe_input.load_json(safe_input.read_limited(path), str(path))
    return len(oscal_catalog.convert(data, str(path)).framework.standards_by_code)


def import_ciso(path: Path) -> int:
    doc = safe_input.load_yaml(safe_input.read_limited(path), str(path))
    return len(ciso_library.convert(doc, str(path)).framework.standards_by_code)


def main() -> int:
    metrics: dict[str, Any] = {}
    if OSCAL_LOW.exists():
        m = timed(lambda: import_oscal(OSCAL_LOW))
        m["source"] = f"../shared/fixtures/oscal/{OSCAL_LOW.name}"
    else:
        m = {"skipped": f"{OSCAL_LOW} is absent (../shared is not part of a clone)"}
    metrics["oscal_low"] = m
    with tempfile.TemporaryDirectory() as tmp:
        if CISO_NIST.exists():
            lib, source = CISO_NIST, f"../shared/fixtures/ciso-assistant/{CISO_NIST.name}"
        else:
            lib = Path(tmp) / "generated.yaml"
            generated_library(lib)
            source = "generated: 1,000 nodes (../shared absent)"
        nodes = sum(
            1 for line in lib.read_text("utf-8").splitlines() if "urn:" in line and "- urn" in line
        )
        m = timed(lambda: import_ciso(lib))
        m["source"], m["requirement_nodes"] = source, nodes
        metrics["ciso_1000"] = m
    ok = True
    for key, target in TARGETS_S.items():
        if "median_s" in metrics[key]:
            metrics[key]["target_s"] = target
            metrics[key]["pass"] = metrics[key]["max_s"] < target
            ok = ok and metrics[key]["pass"]
    record = {
        "machine": {
            "platform": platform.platform(),
            "python": sys.version.split()[0],
            "pyyaml_libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
            "cpu_model": cpu_model(),
            "cpu_count": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
            "timestamp": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "metrics": metrics,
    }
    save("interop", record)
    for key, m in metrics.items():
        print(f"{key}: " + ", ".join(f"{k}={v}" for k, v in m.items()))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
