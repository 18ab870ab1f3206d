"""Generate the illustrative OPCON evaluation history, `src/accord/data/opcon/history.yaml`.

ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT.  The real criteria and results of the OPCON transition
are classified.  The ratings written here are invented: each standard follows a designed
trajectory of joint levels, 2019-2025, chosen only to be consistent with the public milestones
(IOC verified in 2019; FOC only rehearsed in 2020 and assessed in 2022; FOC certification still
pending in 2025; "meaningful progress" announced in 2023 and 2025).  Party ratings differ from
the joint level where a divergence is designed below.

The output is deterministic: running this twice writes the same bytes.  Before writing, the
script checks the constraints the history is meant to satisfy (see `check`) and stops with an
error if one fails.  It needs only PyYAML.

    python tools/make_opcon_history.py            # check, print the table, write the file
    python tools/make_opcon_history.py --check    # check and print only; fail if the file differs
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "accord" / "data" / "opcon"
FRAMEWORK = DATA / "framework.yaml"
HISTORY = DATA / "history.yaml"

PARTIES = ("ROK", "US")
YEARS = (2019, 2020, 2021, 2022, 2023, 2024, 2025)
OPEN_YEAR = 2026

# Evaluation dates: a few weeks before that year's Military Committee Meeting.
HELD_ON = {
    2019: "2019-10-31",  # 44th MCM / 51st SCM, Nov 2019
    2020: "2020-09-25",  # 52nd SCM, 14 Oct 2020
    2021: "2021-11-12",  # 46th MCM 1 Dec / 53rd SCM 2 Dec 2021
    2022: "2022-09-30",  # after Ulchi Freedom Shield; 47th MCM 19 Oct 2022
    2023: "2023-10-27",  # 48th MCM 12 Nov / 55th SCM 13 Nov 2023
    2024: "2024-09-27",  # 49th MCM 17 Oct / 56th SCM 30 Oct 2024
    2025: "2025-10-17",  # 50th MCM 3 Nov / 57th SCM 4 Nov 2025
    2026: "2026-10-30",
}

# Designed joint trajectories, one digit per year 2019..2025: the level index on the
# standard's scale (capability: 0 Initial, 1 Developing, 2 Partial, 3 Substantial, 4 Full;
# environment: 0 Adverse, 1 Strained, 2 Manageable, 3 Conducive).
#
#                 2019..2025
JOINT: dict[str, str] = {
    # C1.1 Command and control of the Future-CFC
    "C1.1.1": "3333444",  # HQ organisation: in place for IOC, fully manned from 2023
    "C1.1.2": "2223333",  # HQ C2 under a Korean commander: FOC assessed 2022, not yet Full
    "C1.1.3": "1122333",  # component commands: four of six verified by 2025, not yet Full
    "C1.1.4": "1233333",  # crisis / transition-to-war procedures
    # C1.2 Combined planning and operations
    "C1.2.1": "3333444",  # combined operational planning
    "C1.2.2": "3333444",  # combined exercises (scaled down 2019-21, full-scale UFS from 2022)
    "C1.2.3": "2223334",  # joint fires and targeting
    "C1.2.4": "1122333",  # operations across all phases
    # C1.3 Intelligence, surveillance and reconnaissance
    "C1.3.1": "3333334",  # combined ISR collection management
    "C1.3.2": "0111223",  # independent strategic ISR (satellites from Dec 2023)
    "C1.3.3": "2222333",  # intelligence fusion and sharing
    # C1.4 Sustainment and communications
    "C1.4.1": "3333334",  # combined logistics
    "C1.4.2": "2233444",  # C4I
    "C1.4.3": "2122233",  # host-nation support and reception (COVID-19 setback in 2020)
    # C2.1 Missile warning and defence
    "C2.1.1": "3333334",  # missile early warning
    "C2.1.2": "1222223",  # layered missile defence
    "C2.1.3": "2223333",  # combined air and missile defence operations
    # C2.2 Strike and counter-fire
    "C2.2.1": "1122233",  # Kill Chain precision strike
    "C2.2.2": "1122333",  # counter-fire
    "C2.2.3": "0112223",  # KMPR
    # C2.3 Strategic command and extended-deterrence bridging
    "C2.3.1": "0001122",  # ROK Strategic Command (planned 2022, established Oct 2024)
    "C2.3.2": "1122333",  # US bridging capabilities plan
    "C2.3.3": "1111223",  # integration with US extended deterrence (NCG from 2023)
    # C3.1 Regional security environment indicators
    "C3.1.1": "2110111",  # North Korean nuclear and missile threat
    "C3.1.2": "2211112",  # regional environment
    # C3.2 Alliance commitments and enduring capabilities
    "C3.2.1": "2122332",  # alliance commitments and enduring capabilities
}

# Designed divergences: year -> standard -> (ROK level, US level).  Every standard not listed
# has both parties at the joint level.  The joint level always equals one party's level or
# lies between them.
DIVERGE: dict[int, dict[str, tuple[int, int]]] = {
    2019: {
        "C1.1.2": (3, 2),
        "C1.1.3": (2, 0),
        "C1.2.4": (2, 1),
        "C1.3.3": (3, 2),
        "C2.1.2": (2, 1),
        "C2.2.1": (2, 1),
        "C3.1.1": (2, 1),
    },
    2020: {
        "C1.1.2": (3, 2),
        "C1.1.3": (2, 1),
        "C1.2.2": (3, 2),
        "C1.4.2": (3, 2),
        "C2.1.2": (3, 2),
        "C2.2.2": (2, 1),
        "C3.2.1": (1, 2),
    },
    2021: {
        "C1.1.2": (3, 2),
        "C1.1.3": (3, 2),
        "C1.2.4": (3, 2),
        "C1.4.2": (4, 3),
        "C2.2.1": (3, 2),
        "C3.1.2": (2, 1),
    },
    2022: {
        "C1.1.2": (4, 2),
        "C1.1.3": (3, 2),
        "C1.3.3": (3, 2),
        "C1.4.3": (3, 2),
        "C2.1.2": (3, 2),
        "C2.3.2": (2, 3),
    },
    2023: {
        "C1.1.2": (4, 3),
        "C1.3.2": (3, 2),
        "C1.4.3": (3, 2),
        "C2.1.2": (3, 2),
        "C3.1.2": (2, 1),
    },
    2024: {
        "C1.1.2": (4, 3),
        "C1.1.3": (4, 3),
        "C1.3.2": (3, 2),
        "C2.2.3": (3, 2),
        "C2.3.1": (2, 1),
    },
    2025: {
        "C1.1.2": (4, 3),
        "C1.1.3": (4, 3),
        "C2.3.1": (3, 2),
        "C3.1.2": (2, 1),
    },
}

# Illustrative joint rationales for notable changes and divergences.
RATIONALES: dict[int, dict[str, str]] = {
    2019: {
        "C1.1.1": "IOC verified in the August combined exercise; the F-CFC headquarters is "
        "organised and manned for its initial tasks.",
        "C1.1.3": "ROK counts component-command staffs as formed; US notes none has yet run a "
        "full-mission check. Joint rating set between the two.",
    },
    2020: {
        "C1.2.2": "The combined exercise was scaled down by COVID-19 and FOC only rehearsed; "
        "US rated exercise scope Partial, joint rating kept at Substantial.",
        "C1.1.4": "Crisis-management terms of reference signed and rehearsed in a table-top.",
        "C1.4.3": "Reinforcement reception rehearsals cancelled under COVID-19 restrictions; "
        "rated one level lower than in 2019.",
    },
    2021: {
        "C1.1.3": "Two component commands completed initial checks; US holds that the others "
        "remain untested at full scale.",
        "C1.4.2": "Interoperability tests passed for the core networks; resilience under "
        "wartime load still to be shown.",
    },
    2022: {
        "C1.1.2": "FOC assessed in Ulchi Freedom Shield with the Korean deputy in the commander's "
        "seat. ROK rated Full, US Partial pending open findings; joint rating "
        "Substantial.",
        "C3.1.1": "Record number of ballistic-missile launches in the year; rated Adverse.",
    },
    2023: {
        "C1.3.2": "First military reconnaissance satellite launched in December; ROK counts "
        "planned launches, US rates assets in service. Joint rating Partial.",
        "C2.3.3": "Consultation on extended deterrence deepened through the new Nuclear "
        "Consultative Group.",
        "C1.4.2": "C4I interoperability demonstrated in full across all phases of the exercise.",
    },
    2024: {
        "C2.3.1": "ROK Strategic Command established in October; US rates it Developing until "
        "its first combined exercise. Joint rating Partial.",
        "C3.2.1": "Alliance commitments reaffirmed at the SCM; environment held Conducive.",
    },
    2025: {
        "C1.1.2": "Remaining findings from the FOC assessment largely closed; US keeps the "
        "rating at Substantial until the 2026 certification exercise.",
        "C1.1.3": "Four of six component commands have passed full-mission checks and the "
        "ground component is a standing command; two checks remain.",
        "C1.3.2": "Additional reconnaissance satellites in orbit; rated Substantial.",
        "C3.2.1": "Commitments reaffirmed at the SCM while alliance posture and cost-sharing "
        "are under discussion; rated Manageable.",
    },
}

NOTE = (
    "ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT. The real evaluation criteria and results of the "
    "OPCON transition are classified. Every rating and rationale here is invented, generated by "
    "tools/make_opcon_history.py from designed trajectories so as to be consistent with public "
    "milestones only: IOC verified in 2019; FOC only rehearsed in 2020 (COVID-19) and assessed "
    "in Ulchi Freedom Shield in 2022; FOC certification still pending in 2025 and targeted for "
    "2026; 'meaningful progress' reported after the 2023 and 2025 annual assessments."
)


# --------------------------------------------------------------------------- framework


@dataclass(frozen=True)
class Std:
    code: str
    field: str
    condition: str
    scale: str
    threshold: int
    weight: float


@dataclass(frozen=True)
class Fw:
    standards: dict[str, Std]  # document order
    fields: dict[str, float]  # field code -> weight, document order
    labels: dict[str, list[str]]  # scale -> labels, lowest first
    values: dict[str, list[float]]
    stages: dict[str, list[str]]
    min_delta: float
    min_newly: int
    share: float


def load_framework(path: Path = FRAMEWORK) -> Fw:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    labels = {s["code"]: [lv["label"] for lv in s["levels"]] for s in doc["scales"]}
    values = {s["code"]: [float(lv["value"]) for lv in s["levels"]] for s in doc["scales"]}
    default = doc["default_scale"]
    standards: dict[str, Std] = {}
    fields: dict[str, float] = {}
    for c in doc["conditions"]:
        for f in c["fields"]:
            fields[f["code"]] = float(f.get("weight", 1))
            for s in f["standards"]:
                scale = s.get("scale", default)
                standards[s["code"]] = Std(
                    s["code"],
                    f["code"],
                    c["code"],
                    scale,
                    labels[scale].index(s["threshold"]),
                    float(s.get("weight", 1)),
                )
    rule = doc["progress_rule"]
    assert rule["judged_at"] == "field" and rule["combine"] == "any"
    return Fw(
        standards,
        fields,
        labels,
        values,
        {st["code"]: [str(x) for x in st["requires"]] for st in doc["stages"]},
        float(rule["min_score_delta"]),
        int(rule["min_newly_met"]),
        float(rule["overall_share"]),
    )


# --------------------------------------------------------------------------- history


Levels = dict[str, int]


def joint(year: int) -> Levels:
    return {code: int(traj[YEARS.index(year)]) for code, traj in JOINT.items()}


def party(year: int, which: int) -> Levels:
    out = joint(year)
    for code, pair in DIVERGE.get(year, {}).items():
        out[code] = pair[which]
    return out


def met(fw: Fw, lv: Levels) -> set[str]:
    return {c for c, s in fw.standards.items() if lv[c] >= s.threshold}


def field_scores(fw: Fw, lv: Levels) -> dict[str, float]:
    num = dict.fromkeys(fw.fields, 0.0)
    den = dict.fromkeys(fw.fields, 0.0)
    for c, s in fw.standards.items():
        num[s.field] += s.weight * fw.values[s.scale][lv[c]]
        den[s.field] += s.weight
    return {f: num[f] / den[f] for f in fw.fields}


def blockers(fw: Fw, lv: Levels, stage: str) -> list[str]:
    return [c for c in fw.stages[stage] if lv[c] < fw.standards[c].threshold]


def progressing_fields(fw: Fw, before: Levels, after: Levels) -> list[str]:
    s0, s1 = field_scores(fw, before), field_scores(fw, after)
    newly = met(fw, after) - met(fw, before)
    out = []
    for f in fw.fields:
        delta = s1[f] - s0[f]
        # Stay clear of the boundary so that float rounding cannot flip the verdict.
        if abs(delta - fw.min_delta) < 1e-6:
            raise AssertionError(f"field {f} score change {delta:.6f} sits on the threshold")
        n_new = sum(1 for c in newly if fw.standards[c].field == f)
        if delta >= fw.min_delta or (fw.min_newly > 0 and n_new >= fw.min_newly):
            out.append(f)
    return out


def divergences(year: int) -> list[str]:
    rok, us = party(year, 0), party(year, 1)
    return [c for c in JOINT if rok[c] != us[c]]


@dataclass
class YearRow:
    """One line of the summary table: the joint evaluation of one year."""

    year: int
    met: int
    foc_blockers: list[str]
    fmc_blockers: int
    divergences: int
    wide: int
    progress_fields: list[str] | None = None  # None for the first year
    meaningful: bool | None = None


def check(fw: Fw) -> list[YearRow]:
    """Assert every designed property of the history; return the per-year table."""
    errors: list[str] = []

    def need(ok: bool, message: str) -> None:
        if not ok:
            errors.append(message)

    need(list(JOINT) == list(fw.standards), "JOINT must list every standard in document order")
    for code, traj in JOINT.items():
        need(len(traj) == len(YEARS), f"{code}: one level per year")
        top = len(fw.labels[fw.standards[code].scale]) - 1
        need(all(0 <= int(ch) <= top for ch in traj), f"{code}: level off the scale")
    if errors:
        raise SystemExit("\n".join(errors))

    n_fields = len(fw.fields)
    table: list[YearRow] = []
    for y in YEARS:
        j, rok, us = joint(y), party(y, 0), party(y, 1)
        for code, (r, u) in DIVERGE.get(y, {}).items():
            top = len(fw.labels[fw.standards[code].scale]) - 1
            need(r != u, f"{y} {code}: a divergence needs different levels")
            need(0 <= r <= top and 0 <= u <= top, f"{y} {code}: party level off the scale")
            need(min(r, u) <= j[code] <= max(r, u), f"{y} {code}: joint not between the parties")
            need(abs(r - u) <= 2, f"{y} {code}: parties more than two levels apart")
        div = divergences(y)
        wide = [c for c in div if abs(rok[c] - us[c]) > 1]
        need(0.15 <= len(div) / len(JOINT) <= 0.30, f"{y}: {len(div)} divergences out of range")
        need(len(wide) <= 1, f"{y}: too many two-level divergences")
        cap_div = [c for c in div if fw.standards[c].condition != "C3"]
        us_lower = [c for c in cap_div if us[c] < rok[c]]
        need(len(us_lower) >= len(cap_div) - 1, f"{y}: US should mostly rate C1/C2 lower")

        need(not blockers(fw, j, "IOC"), f"{y}: IOC not met: {blockers(fw, j, 'IOC')}")
        foc = blockers(fw, j, "FOC")
        need(bool(foc), f"{y}: FOC must not be ready")

        row = YearRow(y, len(met(fw, j)), foc, len(blockers(fw, j, "FMC")), len(div), len(wide))
        if y > YEARS[0]:
            prev = joint(y - 1)
            for who, now, before in (
                ("joint", j, prev),
                ("ROK", rok, party(y - 1, 0)),
                ("US", us, party(y - 1, 1)),
            ):
                for c in JOINT:
                    need(now[c] >= before[c] - 1, f"{y} {c}: {who} level dropped by two or more")
            prog = progressing_fields(fw, prev, j)
            row.progress_fields = prog
            row.meaningful = len(prog) / n_fields >= fw.share
        table.append(row)

    by_year = {r.year: r for r in table}
    need(1 <= len(by_year[2025].foc_blockers) <= 3, "2025: FOC should be blocked by 1-3 standards")
    need(
        len(by_year[2022].foc_blockers) > len(by_year[2025].foc_blockers),
        "2022: FOC should be blocked by more standards than in 2025",
    )
    for y in (2023, 2025):
        need(by_year[y].meaningful is True, f"{y}: meaningful progress expected")
    for y in (2020, 2024):
        need(by_year[y].meaningful is False, f"{y}: no meaningful progress expected")
    divs = [by_year[y].divergences for y in YEARS]
    need(
        divs == sorted(divs, reverse=True) and divs[0] > divs[-1],
        "divergences should shrink over the years",
    )
    mets = [by_year[y].met for y in YEARS]
    need(mets[-1] > mets[0], "joint ratings should rise overall")
    drops = sum(
        1
        for c in JOINT
        for a, b in zip(JOINT[c], JOINT[c][1:], strict=False)
        if int(b) < int(a) and fw.standards[c].condition != "C3"
    )
    need(drops <= 3, f"too many capability setbacks: {drops}")
    for y, notes in RATIONALES.items():
        need(y in YEARS and all(c in JOINT for c in notes), f"{y}: rationale for unknown item")
    if errors:
        raise SystemExit("history constraints failed:\n  " + "\n  ".join(errors))
    return table


# --------------------------------------------------------------------------- output


def _q(text: str) -> str:
    """A double-quoted YAML scalar."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(fw: Fw) -> str:
    lines = [
        "# GENERATED by tools/make_opcon_history.py — do not edit by hand; change the",
        "# trajectories in that script and run it again.",
        "#",
        "# ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT.  Invented ratings, consistent with public",
        "# milestones only.  Each rating is [ROK level, US level, joint level].",
        "illustrative: true",
        f"note: {_q(NOTE)}",
        f"parties: [{', '.join(PARTIES)}]",
        "evaluations:",
    ]
    for y in YEARS:
        j, rok, us = joint(y), party(y, 0), party(y, 1)
        lines += [
            f'  - code: "{y}"',
            f'    label: "{y} annual joint evaluation"',
            "    kind: annual",
            f"    held_on: {HELD_ON[y]}",
            "    status: concluded",
            "    ratings:",
        ]
        for c, s in fw.standards.items():
            lab = fw.labels[s.scale]
            lines.append(f"      {c}: [{lab[rok[c]]}, {lab[us[c]]}, {lab[j[c]]}]")
        notes = RATIONALES.get(y)
        if notes:
            lines.append("    rationales:")
            for c in fw.standards:
                if c in notes:
                    lines.append(f"      {c}: {_q(notes[c])}")
    lines += [
        f'  - code: "{OPEN_YEAR}"',
        f'    label: "{OPEN_YEAR} annual joint evaluation"',
        "    kind: annual",
        f"    held_on: {HELD_ON[OPEN_YEAR]}",
        "    status: open",
        "    ratings: {}",
    ]
    return "\n".join(lines) + "\n"


def verify_rendered(fw: Fw, text: str) -> None:
    """Parse the output back and make sure it says what the trajectories say."""
    doc = yaml.safe_load(text)
    assert doc["illustrative"] is True and list(doc["parties"]) == list(PARTIES)
    evs = doc["evaluations"]
    assert [e["code"] for e in evs] == [str(y) for y in (*YEARS, OPEN_YEAR)]
    for e, y in zip(evs, YEARS, strict=False):
        assert e["status"] == "concluded" and len(e["ratings"]) == len(fw.standards)
        for c, (r, u, j) in e["ratings"].items():
            lab = fw.labels[fw.standards[c].scale]
            assert [lab.index(r), lab.index(u), lab.index(j)] == [
                party(y, 0)[c],
                party(y, 1)[c],
                joint(y)[c],
            ], (y, c)
    assert evs[-1]["status"] == "open" and evs[-1]["ratings"] == {}


def print_table(table: list[YearRow], n_std: int, n_fields: int) -> None:
    print(
        f"{'year':<6}{'met':>6}{'FOC blk':>9}{'FMC blk':>9}{'progress':>10}"
        f"{'meaningful':>12}{'diverge':>9}   FOC blockers"
    )
    for r in table:
        prog = "-" if r.progress_fields is None else f"{len(r.progress_fields)}/{n_fields}"
        mean = "-" if r.meaningful is None else ("yes" if r.meaningful else "no")
        div = f"{r.divergences} ({100 * r.divergences / n_std:.0f}%)"
        print(
            f"{r.year:<6}{f'{r.met}/{n_std}':>6}{len(r.foc_blockers):>9}{r.fmc_blockers:>9}"
            f"{prog:>10}{mean:>12}{div:>9}   " + ", ".join(r.foc_blockers)
        )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--check",
        action="store_true",
        help="do not write; fail if history.yaml differs from what would be written",
    )
    args = ap.parse_args(argv)
    fw = load_framework()
    table = check(fw)
    text = render(fw)
    verify_rendered(fw, text)
    print_table(table, len(fw.standards), len(fw.fields))
    if args.check:
        current = HISTORY.read_text(encoding="utf-8") if HISTORY.exists() else ""
        if current != text:
            print(f"{HISTORY.relative_to(ROOT)} is out of date", file=sys.stderr)
            return 1
        print(f"{HISTORY.relative_to(ROOT)} is up to date")
        return 0
    HISTORY.write_text(text, encoding="utf-8")
    print(f"wrote {HISTORY.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
