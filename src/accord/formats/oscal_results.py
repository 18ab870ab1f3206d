"""A concluded evaluation -> OSCAL assessment results (JSON, OSCAL 1.1.2).

Pure: the service gathers the evaluation into `ResultsInput`; this builds the document.
One result per evaluation; one finding per standard whose target state is `satisfied` when
the joint rating reaches the standard's threshold (N/A counts as satisfied, with reason
`other`; an unrated standard is `not-satisfied`, reason `other`); one observation per
party rating and per joint rating, carrying the level and rationale; one attestation per
signature.  UUIDs are derived (UUID v5) from the evaluation's uid, so exporting the same
evaluation twice gives the same document.  See docs/interop.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from accord.engine.framework import NOT_APPLICABLE, Framework

OSCAL_VERSION = "1.1.2"
NS = "https://accord.invalid/ns/oscal"
_TOKEN_BAD = re.compile(r"[^\w.\-]", re.UNICODE)


@dataclass(frozen=True)
class Rating:
    party: str  # party code, or "" for the joint rating
    standard: str
    level: str
    rationale: str
    at: dt.datetime


@dataclass(frozen=True)
class SignatureInfo:
    party: str
    signer: str
    public_key: str
    fingerprint: str
    signature: str
    document_sha256: str
    signed_at: dt.datetime


@dataclass(frozen=True)
class ResultsInput:
    plan_code: str
    plan_title: str
    parties: tuple[tuple[str, str], ...]  # (code, name)
    evaluation_uid: str
    evaluation_code: str
    evaluation_label: str
    evaluation_status: str
    held_on: dt.date
    framework: Framework
    framework_version: str
    content_hash: str
    ratings: tuple[Rating, ...]
    signatures: tuple[SignatureInfo, ...]


def token(text: str) -> str:
    """An OSCAL token (letter or '_' first; letters, digits, '.', '-', '_') from any code."""
    out = _TOKEN_BAD.sub("_", text) or "_"
    return out if out[0].isalpha() or out[0] == "_" else f"_{out}"


def _when(at: dt.datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _met(fw: Framework, code: str, level: str) -> bool:
    s = fw.standards_by_code[code]
    scale = fw.scale(s.scale)
    return scale.accepts(level) and scale.index_of(level) >= scale.index_of(s.threshold)


def build(data: ResultsInput) -> dict[str, Any]:
    """The OSCAL assessment-results document as plain data."""
    try:
        base = uuid.UUID(data.evaluation_uid)
    except ValueError:
        base = uuid.uuid5(uuid.NAMESPACE_URL, f"accord:{data.plan_code}/{data.evaluation_code}")

    def uid(*names: str) -> str:
        return str(uuid.uuid5(base, "/".join(names)))

    fw = data.framework
    party_uuid = {code: uid("party", code) for code, _ in data.parties}
    signer_uuid = {s.signer: uid("person", s.signer) for s in data.signatures}
    parties: list[dict[str, Any]] = [
        {"uuid": party_uuid[code], "type": "organization", "name": name or code, "short-name": code}
        for code, name in data.parties
    ]
    for sig in data.signatures:
        if not any(p["uuid"] == signer_uuid[sig.signer] for p in parties):
            parties.append(
                {
                    "uuid": signer_uuid[sig.signer],
                    "type": "person",
                    "name": sig.signer,
                    "member-of-organizations": [party_uuid[sig.party]],
                }
            )
    responsible = [{"role-id": "assessor", "party-uuids": list(party_uuid.values())}]
    if data.signatures:
        responsible.append(
            {"role-id": "signer", "party-uuids": list(dict.fromkeys(signer_uuid.values()))}
        )
    times = [r.at for r in data.ratings] + [s.signed_at for s in data.signatures]
    held = dt.datetime.combine(data.held_on, dt.time(), tzinfo=dt.UTC)
    last = max([*times, held], key=lambda t: t if t.tzinfo else t.replace(tzinfo=dt.UTC))

    by_standard: dict[str, list[tuple[str, Rating]]] = {}
    observations = []
    for r in sorted(data.ratings, key=lambda r: (r.standard, r.party)):
        if r.standard not in fw.standards_by_code:
            continue
        who = r.party or "joint"
        obs_uuid = uid("observation", r.standard, who)
        by_standard.setdefault(r.standard, []).append((obs_uuid, r))
        std = fw.standards_by_code[r.standard]
        whose = f"{r.party}'s rating" if r.party else "Joint rating"
        obs: dict[str, Any] = {
            "uuid": obs_uuid,
            "title": f"{whose} of {r.standard}",
            "description": f"{whose} of standard {r.standard} ({std.title}): {r.level} "
            f"(threshold {std.threshold}).",
            "props": [
                {"name": "standard", "ns": NS, "value": r.standard},
                {"name": "level", "ns": NS, "value": r.level},
                {"name": "rating-kind", "ns": NS, "value": "party" if r.party else "joint"},
            ],
            "methods": ["EXAMINE"],
            "collected": _when(r.at),
        }
        if r.party and r.party in party_uuid:
            obs["origins"] = [{"actors": [{"type": "party", "actor-uuid": party_uuid[r.party]}]}]
        if r.rationale.strip():
            obs["remarks"] = r.rationale.strip()
        observations.append(obs)

    findings, met = [], 0
    for s in fw.standards():
        joint = next((r for _, r in by_standard.get(s.code, []) if not r.party), None)
        status: dict[str, Any]
        if joint is None:
            status = {"state": "not-satisfied", "reason": "other", "remarks": "not rated"}
        elif joint.level == NOT_APPLICABLE:
            status = {"state": "satisfied", "reason": "other", "remarks": "not applicable"}
        elif _met(fw, s.code, joint.level):
            status, met = {"state": "satisfied", "reason": "pass"}, met + 1
        else:
            status = {"state": "not-satisfied", "reason": "fail"}
        level = joint.level if joint else "not rated"
        finding: dict[str, Any] = {
            "uuid": uid("finding", s.code),
            "title": f"{s.code} {s.title}",
            "description": f"Joint rating {level} against threshold {s.threshold} "
            f"(scale {s.scale}).",
            "props": [{"name": "standard", "ns": NS, "value": s.code}],
            "target": {"type": "objective-id", "target-id": token(s.code), "status": status},
        }
        related = [{"observation-uuid": o} for o, _ in by_standard.get(s.code, [])]
        if related:
            finding["related-observations"] = related
        findings.append(finding)

    result: dict[str, Any] = {
        "uuid": uid("result"),
        "title": f"{data.evaluation_label or data.evaluation_code} ({data.plan_code})",
        "description": f"Evaluation {data.evaluation_code} of plan {data.plan_code} "
        f"({data.evaluation_status}), against framework version {data.framework_version}: "
        f"{met} of {len(findings)} standards met their threshold.",
        "start": _when(held),
        "props": [
            {"name": "evaluation", "ns": NS, "value": data.evaluation_code},
            {"name": "framework-version", "ns": NS, "value": data.framework_version},
        ],
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    }
    if data.signatures:
        result["attestations"] = [
            {
                "responsible-parties": [
                    {"role-id": "signer", "party-uuids": [signer_uuid[sig.signer]]}
                ],
                "parts": [
                    {
                        "name": "signature",
                        "title": f"Signature of {sig.party}",
                        "prose": (
                            f"{sig.signer} signed for {sig.party} at {_when(sig.signed_at)}: "
                            f"Ed25519 signature {sig.signature} over the document with SHA-256 "
                            f"{sig.document_sha256}; public key {sig.public_key} "
                            f"(fingerprint {sig.fingerprint})."
                        ),
                    }
                ],
            }
            for sig in data.signatures
        ]
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings

    resource = uid("framework", data.framework_version)
    return {
        "assessment-results": {
            "uuid": uid("assessment-results"),
            "metadata": {
                "title": f"{data.plan_title}: evaluation {data.evaluation_code}",
                "last-modified": _when(last),
                "version": data.evaluation_code,
                "oscal-version": OSCAL_VERSION,
                "roles": [
                    {"id": "assessor", "title": "Party rating the standards"},
                    {"id": "signer", "title": "Party signer of the concluded evaluation"},
                ],
                "parties": parties,
                "responsible-parties": responsible,
            },
            "import-ap": {"href": f"#{resource}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": resource,
                        "title": f"Framework {fw.code} version {data.framework_version}",
                        "description": f"The accord framework the evaluation was made "
                        f"against (SHA-256 of its YAML: {data.content_hash}).",
                        "props": [{"name": "content-hash", "ns": NS, "value": data.content_hash}],
                    }
                ]
            },
        }
    }


def dumps(doc: dict[str, Any]) -> str:
    """The document as indented JSON text with a final newline."""
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
