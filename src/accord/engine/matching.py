"""Matching feed items to standards by the words of each standard's `match` rule.

Every term of every standard is compiled once into a `Matcher`.  Finding where terms occur
costs one pass of a single regular expression per text field, whatever the number of
standards: that expression is a trie of the terms' first letters, so it stops only where some
term could begin; there the few terms sharing those letters are tried.  Each distinct term is
compiled once however many standards use it, and overlapping terms are all found.

Matching is on a copy of the text with HTML tags removed and entities decoded; the stored
text is never touched.  A hit in the title weighs more than one in the summary or content.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from .framework import TERM_SEPARATORS, Framework, term_key

Role = Literal["phrase", "keyword", "exclude"]

# How much one hit weighs, by where it is; a standard's score combines its hits as
# 1 - prod(1 - w), so it stays below 1 and never falls when a hit is added.
PHRASE_WEIGHT = {"title": 0.6, "body": 0.4}
KEYWORD_WEIGHT = {"title": 0.25, "body": 0.12}
REPEAT_WEIGHT = 0.1  # each further occurrence of a term, up to MAX_REPEATS
MAX_REPEATS = 3

_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"
_WORD_NOT_HANGUL = f"[^\\W{_HANGUL}]"  # a letter, digit or underscore outside Hangul
_SEP = r"[\s\-\u2010-\u2015]+"
_KEY_LEN = 3
_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.S | re.I)
_SPACES = re.compile(r"\s+")


def _is_hangul(ch: str) -> bool:
    return bool(_HANGUL_RX.match(ch))


_HANGUL_RX = re.compile(f"[{_HANGUL}]")


def _joins(ch: str) -> bool:
    """Whether `ch` would make a word longer: a letter, digit or underscore outside Hangul."""
    return (ch.isalnum() or ch == "_") and not _HANGUL_RX.match(ch)


def plain_text(text: str) -> str:
    """`text` without HTML tags, with entities decoded and spaces collapsed (for matching)."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'")  # ’ as '
    return _SPACES.sub(" ", text).strip()


def _term_pattern(term: str) -> tuple[str, str, bool]:
    """(regex source, candidate key, needs a word end) for one term as written.

    Word boundaries are checked outside the expression: a character class covering Hangul
    makes every compiled term cost a millisecond, which adds up over thousands of terms.
    The start is checked by the candidate search; a trailing `*` needs no end at all.
    """
    wildcard = term.endswith("*")
    base = unicodedata.normalize("NFKC", term.rstrip("*")).replace("\u2019", "'")
    parts = [p for p in TERM_SEPARATORS.split(base) if p]
    body = _SEP.join(re.escape(p) for p in parts)
    last = parts[-1][-1]
    return f"(?i:{body})", parts[0][:_KEY_LEN].lower(), not wildcard and _joins(last)


_Trie = dict[str, "_Trie"]


def _trie_regex(keys: Iterable[str]) -> str:
    """An alternation of `keys` factored into a trie, so that each position takes few steps.

    Only the first character is consumed; the rest is a look-ahead, so that a search goes on
    from the next character and finds candidates that overlap.
    """
    trie: _Trie = {}
    for key in keys:
        node = trie
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}  # a key ends here

    def emit(node: _Trie) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        if "" in node:
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    firsts = []
    for ch, child in sorted(trie.items()):
        rest = emit(child)
        firsts.append(re.escape(ch) + (f"(?={rest})" if rest else ""))
    return "(?:" + "|".join(firsts) + ")"


@dataclass(frozen=True)
class Hit:
    """One standard an item matched, with a score in 0..1 and the reason in words."""

    standard: str
    condition: str
    score: float
    reason: str


@dataclass
class _Tally:
    phrases: list[tuple[str, int, int]]  # (term as written, in title, in body)
    keywords: list[tuple[str, int, int]]
    excluded: bool = False


class Matcher:
    """Every standard's match rule of one framework, compiled; `match` scores one item."""

    def __init__(self, fw: Framework) -> None:
        self.standards = [s for s in fw.standards() if not s.match.empty]
        term_ids: dict[str, int] = {}
        sources: list[str] = []
        keys: list[str] = []
        # term id -> [(standard index, role, the term as the standard writes it)]
        self._uses: list[list[tuple[int, Role, str]]] = []
        self._word_end: list[bool] = []
        for si, std in enumerate(self.standards):
            rule = std.match
            roles: list[tuple[Role, tuple[str, ...]]] = [
                ("phrase", rule.phrases),
                ("keyword", rule.keywords),
                ("exclude", rule.exclude),
            ]
            for role, terms in roles:
                for term in terms:
                    canonical = term_key(term)
                    if canonical not in term_ids:
                        term_ids[canonical] = len(sources)
                        source, key, word_end = _term_pattern(term)
                        sources.append(source)
                        keys.append(key)
                        self._word_end.append(word_end)
                        self._uses.append([])
                    self._uses[term_ids[canonical]].append((si, role, term))
        self.term_count = len(sources)
        self._terms = [re.compile(src) for src in sources]
        self._by_key: dict[str, list[int]] = {}
        for tid, key in enumerate(keys):
            self._by_key.setdefault(key, []).append(tid)
        self._key_lengths = sorted({len(k) for k in keys})
        # Where some term may begin, searched in the lower-cased text with one trie-shaped
        # expression for the terms that start a word and one for those that may start inside
        # a word (Hangul, punctuation).  Only the first letter is consumed, the rest is a
        # look-ahead, so overlapping candidates are all found.
        bounded = {k for k in keys if _joins(k[0])}
        self._starts = [
            re.compile(f"(?<!{_WORD_NOT_HANGUL}){_trie_regex(bounded)}") if bounded else None,
            re.compile(_trie_regex(set(keys) - bounded)) if set(keys) - bounded else None,
        ]

    def _find(self, text: str) -> dict[int, int]:
        """Occurrences of each term in `text` (term id -> count)."""
        found: dict[int, int] = {}
        if not text:
            return found
        lower = text.lower()
        if len(lower) != len(text):  # a rare letter whose lower case is longer ('İ')
            lower = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
        terms, by_key, word_end, size = self._terms, self._by_key, self._word_end, len(text)
        starts = [m.start() for rx in self._starts if rx is not None for m in rx.finditer(lower)]
        for p in starts:
            for k in self._key_lengths:
                for tid in by_key.get(lower[p : p + k], ()):
                    m = terms[tid].match(text, p)
                    if m is None:
                        continue
                    end = m.end()
                    if word_end[tid] and end < size and _joins(text[end]):
                        continue
                    found[tid] = found.get(tid, 0) + 1
        return found

    def match(self, title: str, summary: str = "", content: str = "") -> list[Hit]:
        """The standards an item matches, best first."""
        title = plain_text(title)
        summary, content = plain_text(summary), plain_text(content)
        # content often repeats the summary: count such text once
        if summary and summary in content:
            body = content
        elif content and content in summary:
            body = summary
        else:
            body = f"{summary}\n{content}"
        in_title, in_body = self._find(title), self._find(body)
        if not in_title and not in_body:
            return []
        tallies: dict[int, _Tally] = {}
        for tid in in_title.keys() | in_body.keys():
            t, b = in_title.get(tid, 0), in_body.get(tid, 0)
            for si, role, term in self._uses[tid]:
                tally = tallies.setdefault(si, _Tally([], []))
                if role == "exclude":
                    tally.excluded = True
                elif role == "phrase":
                    tally.phrases.append((term, t, b))
                else:
                    tally.keywords.append((term, t, b))
        hits = []
        for si, tally in tallies.items():
            std = self.standards[si]
            rule = std.match
            if tally.excluded or not (tally.phrases or len(tally.keywords) >= rule.min_keywords):
                continue
            score, reason = _score(tally)
            if score >= rule.min_score:
                hits.append(Hit(std.code, std.condition, score, reason))
        hits.sort(key=lambda h: (-h.score, h.standard))
        return hits

    def match_many(self, items: Sequence[tuple[str, str, str]]) -> list[list[Hit]]:
        """`match` for each (title, summary, content)."""
        return [self.match(*item) for item in items]


def _score(tally: _Tally) -> tuple[float, str]:
    miss = 1.0
    parts: list[str] = []
    for role, weights, terms in (
        ("phrase", PHRASE_WEIGHT, tally.phrases),
        ("keyword", KEYWORD_WEIGHT, tally.keywords),
    ):
        for term, t, b in sorted(terms, key=lambda x: (-x[1], -x[2], x[0])):
            miss *= 1.0 - weights["title" if t else "body"]
            repeats = min(t + b - 1, MAX_REPEATS)
            miss *= (1.0 - REPEAT_WEIGHT) ** repeats
            where = "title and body" if t and b else "title" if t else "body"
            times = f" ×{t + b}" if t + b > 1 else ""
            parts.append(f"{role} '{term}' in {where}{times}")
    return round(1.0 - miss, 4), "; ".join(parts)
