"""Progress between two evaluations, and the meaningful-progress rule with its statement."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .framework import Framework, ProgressRule
from .scoring import NodeKind, RatingVector, met_mask, node_scores

_EPS = 1e-9


@dataclass(frozen=True)
class NodeProgress:
    code: str
    kind: NodeKind
    title: str
    before: float | None
    after: float | None
    newly_met: tuple[str, ...]  # rated below threshold before, at or above it now
    newly_unmet: tuple[str, ...]  # met before, rated below threshold now
    meaningful: bool | None  # None when the node cannot be compared (nothing rated in both)
    reasons: tuple[str, ...]  # why the rule holds or not, in plain words with the figures

    @property
    def delta(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


@dataclass(frozen=True)
class ProgressReport:
    rule: ProgressRule
    plan: NodeProgress
    conditions: tuple[NodeProgress, ...]
    fields: tuple[NodeProgress, ...]
    qualifying: tuple[str, ...]  # codes of the judged nodes that show meaningful progress
    comparable: int  # judged nodes that could be compared
    total: int  # judged nodes in the framework
    meaningful: bool
    statement: str

    @property
    def judged(self) -> tuple[NodeProgress, ...]:
        """The nodes the rule is applied to (fields or conditions)."""
        return self.fields if self.rule.judged_at == "field" else self.conditions


def describe_rule(rule: ProgressRule) -> str:
    """The rule in words, e.g. 'score up by at least 0.05 or at least 1 standard newly met'."""
    parts = []
    if rule.min_score_delta > 0:
        parts.append(f"score up by at least {rule.min_score_delta:g}")
    if rule.min_newly_met > 0:
        noun = "standard" if rule.min_newly_met == 1 else "standards"
        parts.append(f"at least {rule.min_newly_met} {noun} newly met")
    return (" or " if rule.combine == "any" else " and ").join(parts)


def _judge(
    rule: ProgressRule,
    before: float | None,
    after: float | None,
    newly: tuple[str, ...],
    compared: int,
) -> tuple[bool | None, tuple[str, ...]]:
    if compared == 0:
        return None, ("not comparable: no standard rated in both evaluations",)
    checks: list[tuple[bool, str]] = []
    if rule.min_score_delta > 0:
        if before is None or after is None:
            checks.append((False, "score not available in both evaluations"))
        else:
            delta = after - before
            # the score must actually rise, even when the rule's minimum is below the tolerance
            ok = delta > _EPS and delta >= rule.min_score_delta - _EPS
            sign = "rose" if delta > _EPS else ("fell" if delta < -_EPS else "did not change")
            change = sign if sign == "did not change" else f"{sign} by {abs(delta):.2f}"
            checks.append(
                (
                    ok,
                    f"score {change} ({before:.2f} → {after:.2f}); "
                    f"rule needs +{rule.min_score_delta:g}",
                )
            )
    if rule.min_newly_met > 0:
        ok = len(newly) >= rule.min_newly_met
        listed = f": {', '.join(newly)}" if newly else ""
        checks.append(
            (ok, f"{len(newly)} standard(s) newly met{listed}; rule needs {rule.min_newly_met}")
        )
    results = [ok for ok, _ in checks]
    verdict = any(results) if rule.combine == "any" else all(results)
    return verdict, tuple(text for _, text in checks)


def compare(fw: Framework, before: RatingVector, after: RatingVector) -> ProgressReport:
    """Progress of every node from `before` to `after`, judged by the framework's rule."""
    ix = fw.index
    rule = fw.progress_rule
    fb, cb, pb = node_scores(fw, before)
    fa, ca, pa = node_scores(fw, after)
    met_b, met_a = met_mask(ix, before), met_mask(ix, after)
    both_rated = before.rated & after.rated
    newly = both_rated & met_a & ~met_b
    lost = both_rated & met_b & ~met_a

    std_cond = ix.field_condition[ix.std_field]
    nf, nc = len(ix.field_codes), len(ix.condition_codes)
    f_compared = np.bincount(ix.std_field, weights=both_rated, minlength=nf)
    c_compared = np.bincount(std_cond, weights=both_rated, minlength=nc)
    newly_pos, lost_pos = np.flatnonzero(newly), np.flatnonzero(lost)

    def grouped(positions: np.ndarray, groups: np.ndarray, n: int) -> list[tuple[str, ...]]:
        out: list[list[str]] = [[] for _ in range(n)]
        for p in positions:
            out[groups[p]].append(ix.codes[p])
        return [tuple(codes) for codes in out]

    f_new, f_lost = grouped(newly_pos, ix.std_field, nf), grouped(lost_pos, ix.std_field, nf)
    c_new, c_lost = grouped(newly_pos, std_cond, nc), grouped(lost_pos, std_cond, nc)

    def node(
        code: str,
        kind: NodeKind,
        title: str,
        b: float,
        a: float,
        n: tuple[str, ...],
        lo: tuple[str, ...],
        compared: int,
    ) -> NodeProgress:
        bo, ao = (None if np.isnan(b) else float(b)), (None if np.isnan(a) else float(a))
        verdict, reasons = _judge(rule, bo, ao, n, compared)
        return NodeProgress(code, kind, title, bo, ao, n, lo, verdict, reasons)

    fields = tuple(
        node(f.code, "field", f.title, fb[i], fa[i], f_new[i], f_lost[i], int(f_compared[i]))
        for i, f in enumerate(fw.fields())
    )
    conditions = tuple(
        node(c.code, "condition", c.title, cb[i], ca[i], c_new[i], c_lost[i], int(c_compared[i]))
        for i, c in enumerate(fw.conditions)
    )
    plan = node(
        fw.code,
        "plan",
        fw.title,
        np.float64(pb),
        np.float64(pa),
        tuple(ix.codes[p] for p in newly_pos),
        tuple(ix.codes[p] for p in lost_pos),
        int(both_rated.sum()),
    )
    judged = fields if rule.judged_at == "field" else conditions
    qualifying = tuple(n.code for n in judged if n.meaningful)
    comparable = sum(1 for n in judged if n.meaningful is not None)
    # overall_share > 0, so at least one node must qualify however small the share
    meaningful = len(qualifying) > 0 and len(qualifying) >= rule.overall_share * comparable - _EPS
    return ProgressReport(
        rule=rule,
        plan=plan,
        conditions=conditions,
        fields=fields,
        qualifying=qualifying,
        comparable=comparable,
        total=len(judged),
        meaningful=meaningful,
        statement=statement(rule, len(qualifying), comparable, len(judged), meaningful),
    )


def statement(
    rule: ProgressRule, qualifying: int, comparable: int, total: int, meaningful: bool
) -> str:
    """The plain-language statement, e.g. 'Meaningful progress across 7 of 9 fields.'"""

    def noun(n: int) -> str:
        return rule.judged_at + ("s" if n != 1 else "")

    if comparable == 0:
        return f"Progress cannot be judged: no {rule.judged_at} was rated in both evaluations."
    head = (
        f"Meaningful progress across {qualifying} of {comparable} {noun(comparable)}"
        if meaningful
        else f"No meaningful progress overall: {qualifying} of {comparable} {noun(comparable)} "
        "met the rule"
    )
    tail = f" ({describe_rule(rule)})."
    if comparable < total:
        tail += f" {total - comparable} of {total} {noun(total)} could not be compared."
    return head + tail
