"""Framework problems in the reader's language.

The engine (accord.engine.validation) is pure and writes its problems in English; the file
layer shows them to people.  Here each of the engine's sentences is recognised by a pattern
and said again, with the same values, through the catalogs.  In English, and for a sentence
no pattern knows, the engine's own words are returned unchanged.  The same goes for the JSON
Schema validator's and PyYAML's messages.
"""

from __future__ import annotations

import re
from typing import Any

from accord import i18n
from accord.i18n import gettext as _


def N_(message: str) -> str:
    """Marks a message for the catalogs; translated when used."""
    return message


_Q = r"(?P<%s>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")"  # a repr()'d string


def _q(name: str) -> str:
    return _Q % name


_KIND = r"(?P<kind>nothing|a mapping|a list|text|true/false|\w+)"
_NUM = r"(?P<%s>-?[\d.e+-]+|nan|inf|-inf)"

ENGINE: list[tuple[str, str]] = [
    (
        rf"(?P<what>.+) must be a mapping, not {_KIND}",
        N_("%(what)s must be a mapping, not %(kind)s"),
    ),
    (
        rf"'(?P<key>[^']*)' must be a list, not {_KIND}",
        N_("'%(key)s' must be a list, not %(kind)s"),
    ),
    (r"missing required key '(?P<key>[^']*)'", N_("missing required key '%(key)s'")),
    (rf"'(?P<key>[^']*)' must be text, not {_KIND}", N_("'%(key)s' must be text, not %(kind)s")),
    (rf"code {_q('code')} must not contain spaces", N_("code %(code)s must not contain spaces")),
    (
        rf"'(?P<key>[^']*)' must be a number, not {_KIND}",
        N_("'%(key)s' must be a number, not %(kind)s"),
    ),
    (
        r"weight must be a positive number, not (?P<value>\S+)",
        N_("weight must be a positive number, not %(value)s"),
    ),
    (
        r"'(?P<key>[^']*)' must be a date as YYYY-MM-DD, not (?P<value>.+)",
        N_("'%(key)s' must be a date as YYYY-MM-DD, not %(value)s"),
    ),
    (r"'(?P<key>[^']*)' needs an 'en' text", N_("'%(key)s' needs an 'en' text")),
    (
        rf"'(?P<key>[^']*)\.ko' must be text, not {_KIND}",
        N_("'%(key)s.ko' must be text, not %(kind)s"),
    ),
    (
        rf"duplicate (?P<what>party|body|scale|node|stage) code {_q('code')}",
        N_("duplicate %(what)s code %(code)s"),
    ),
    (r"'not_applicable' must be true or false", N_("'not_applicable' must be true or false")),
    (
        rf"scale {_q('scale')} needs at least two levels",
        N_("scale %(scale)s needs at least two levels"),
    ),
    (
        r"'N/A' is reserved; set 'not_applicable: true' on the scale instead",
        N_("'N/A' is reserved; set 'not_applicable: true' on the scale instead"),
    ),
    (
        rf"duplicate level {_q('label')} in scale {_q('scale')}",
        N_("duplicate level %(label)s in scale %(scale)s"),
    ),
    (
        rf"level value must be between 0 and 1, not {_NUM % 'value'}",
        N_("level value must be between 0 and 1, not %(value)s"),
    ),
    (
        rf"levels must be listed lowest first with rising values: {_NUM % 'value'} does not "
        rf"exceed {_NUM % 'previous'}",
        N_(
            "levels must be listed lowest first with rising values: %(value)s does not exceed "
            "%(previous)s"
        ),
    ),
    (r"the framework document is empty", N_("the framework document is empty")),
    (
        r'quote the version \("(?P<version>[^"]*)"\): as a number 1\.10 would read as 1\.1',
        N_('quote the version ("%(version)s"): as a number 1.10 would read as 1.1'),
    ),
    (
        r"unknown roll-up method (?P<method>.+); use one of (?P<allowed>.+)",
        N_("unknown roll-up method %(method)s; use one of %(allowed)s"),
    ),
    (r"a framework needs at least one party", N_("a framework needs at least one party")),
    (r"a framework needs at least one scale", N_("a framework needs at least one scale")),
    (rf"unknown scale {_q('scale')}", N_("unknown scale %(scale)s")),
    (r"a framework needs at least one condition", N_("a framework needs at least one condition")),
    (
        rf"condition {_q('code')} is empty: it needs at least one field",
        N_("condition %(code)s is empty: it needs at least one field"),
    ),
    (
        rf"field {_q('code')} is empty: it needs at least one standard",
        N_("field %(code)s is empty: it needs at least one standard"),
    ),
    (
        rf"standard {_q('code')} names no scale and the framework has no 'default_scale'",
        N_("standard %(code)s names no scale and the framework has no 'default_scale'"),
    ),
    (
        rf"threshold {_q('threshold')} is not a level of scale {_q('scale')} "
        r"\(levels: (?P<levels>.*)\)",
        N_("threshold %(threshold)s is not a level of scale %(scale)s (levels: %(levels)s)"),
    ),
    (r"the threshold must be a level, not N/A", N_("the threshold must be a level, not N/A")),
    (rf"stage {_q('stage')} requires no standards", N_("stage %(stage)s requires no standards")),
    (
        rf"stage {_q('stage')} names unknown standard {_q('code')}",
        N_("stage %(stage)s names unknown standard %(code)s"),
    ),
    (rf"stage {_q('stage')} names {_q('code')} twice", N_("stage %(stage)s names %(code)s twice")),
    (r"'illustrative' must be true or false", N_("'illustrative' must be true or false")),
    (
        r"'rule' must be one of (?P<allowed>.+), not (?P<value>.+)",
        N_("'rule' must be one of %(allowed)s, not %(value)s"),
    ),
    (
        r"rule 'lead_party' needs 'lead_party': the code of the leading party",
        N_("rule 'lead_party' needs 'lead_party': the code of the leading party"),
    ),
    (rf"unknown party {_q('party')}", N_("unknown party %(party)s")),
    (
        r"'judged_at' must be field or condition, not (?P<value>.+)",
        N_("'judged_at' must be field or condition, not %(value)s"),
    ),
    (
        r"'combine' must be any or all, not (?P<value>.+)",
        N_("'combine' must be any or all, not %(value)s"),
    ),
    (
        r"'min_score_delta' must be between 0 and 1",
        N_("'min_score_delta' must be between 0 and 1"),
    ),
    (
        r"'min_newly_met' must be a whole number >= 0",
        N_("'min_newly_met' must be a whole number >= 0"),
    ),
    (
        r"the progress rule needs 'min_score_delta' > 0 or 'min_newly_met' > 0",
        N_("the progress rule needs 'min_score_delta' > 0 or 'min_newly_met' > 0"),
    ),
    (
        r"'overall_share' must be above 0 and at most 1",
        N_("'overall_share' must be above 0 and at most 1"),
    ),
    (
        rf"a term in '(?P<key>[^']*)' must be text, not {_KIND}",
        N_("a term in '%(key)s' must be text, not %(kind)s"),
    ),
    (
        r"empty term in '(?P<key>[^']*)': a term needs a letter or digit",
        N_("empty term in '%(key)s': a term needs a letter or digit"),
    ),
    (
        rf"'\*' may only stand once, at the end of a term, not in {_q('term')}",
        N_("'*' may only stand once, at the end of a term, not in %(term)s"),
    ),
    (
        rf"'\*' must follow a letter or digit in {_q('term')}",
        N_("'*' must follow a letter or digit in %(term)s"),
    ),
    (rf"duplicate match term {_q('term')}", N_("duplicate match term %(term)s")),
    (
        r"'min_keywords' must be a whole number >= 1",
        N_("'min_keywords' must be a whole number >= 1"),
    ),
    (
        r"'min_keywords' is (?P<n>\d+) but only (?P<k>\d+) keywords are listed",
        N_("'min_keywords' is %(n)s but only %(k)s keywords are listed"),
    ),
    (r"'min_score' must be between 0 and 1", N_("'min_score' must be between 0 and 1")),
    (
        r"'match' needs 'phrases' or 'keywords': without them nothing can match",
        N_("'match' needs 'phrases' or 'keywords': without them nothing can match"),
    ),
]
"""(pattern of the engine's English sentence, message said instead), first match wins."""

WORDS: dict[str, str] = {
    # what the engine names: the kind of a value, or the kind of a node
    "nothing": N_("nothing"),
    "a mapping": N_("a mapping"),
    "a list": N_("a list"),
    "text": N_("text"),
    "true/false": N_("true/false"),
    "a framework document": N_("a framework document"),
    "a scale": N_("a scale"),
    "a level": N_("a level"),
    "a party": N_("a party"),
    "a body": N_("a body"),
    "a condition": N_("a condition"),
    "a field": N_("a field"),
    "a standard": N_("a standard"),
    "a stage": N_("a stage"),
    "party": N_("party"),
    "body": N_("body"),
    "scale": N_("scale"),
    "node": N_("node"),
    "stage": N_("stage"),
}

_COMPILED = [(re.compile(pattern), message) for pattern, message in ENGINE]


def engine_problem(message: str) -> str:
    """One of the engine's framework problems in the current language."""
    if i18n.current() == i18n.DEFAULT:
        return message
    for pattern, wording in _COMPILED:
        found = pattern.fullmatch(message)
        if found:
            values = {
                k: _(WORDS[v]) if k in ("what", "kind") and v in WORDS else v
                for k, v in found.groupdict().items()
            }
            return _(wording, **values)
    return message


_TYPES = {
    "string": N_("text"),
    "number": N_("a number"),
    "integer": N_("a whole number"),
    "boolean": N_("true/false"),
    "array": N_("a list"),
    "object": N_("a mapping"),
    "null": N_("nothing"),
}


def schema_detail(err: Any) -> str:
    """The JSON Schema validator's message for `err` (a jsonschema ValidationError) in the
    current language; in English its own words."""
    if i18n.current() == i18n.DEFAULT:
        return str(err.message)
    rule, value = err.validator, err.validator_value
    if rule == "type":
        wanted = value if isinstance(value, list) else [value]
        kinds = " / ".join(_(_TYPES[t]) if t in _TYPES else str(t) for t in wanted)
        return _("%(value)s is not %(kinds)s", value=repr(err.instance), kinds=kinds)
    if rule == "enum":
        allowed = ", ".join(repr(v) for v in value)
        return _("%(value)s is not one of %(allowed)s", value=repr(err.instance), allowed=allowed)
    if rule == "pattern":
        return _(
            "%(value)s does not match the pattern %(pattern)s",
            value=repr(err.instance),
            pattern=repr(value),
        )
    if rule == "format":
        return _("%(value)s is not a valid %(format)s", value=repr(err.instance), format=value)
    if rule in ("minimum", "exclusiveMinimum", "maximum"):
        wording = {
            "minimum": N_("%(value)s is less than the minimum of %(limit)s"),
            "exclusiveMinimum": N_("%(value)s must be greater than %(limit)s"),
            "maximum": N_("%(value)s is greater than the maximum of %(limit)s"),
        }[rule]
        return _(wording, value=repr(err.instance), limit=value)
    if rule == "minLength":
        return _("%(value)s is too short", value=repr(err.instance))
    if rule == "required":
        missing = [k for k in value if isinstance(err.instance, dict) and k not in err.instance]
        if missing:
            return _("missing required key '%(key)s'", key=missing[0])
    return str(err.message)


_INDENT = N_("the indentation does not match the lines above")

YAML: dict[str, str] = {
    # libyaml's words (the C loader accord uses), then PyYAML's where they differ
    "mapping values are not allowed in this context": N_(
        "a ':' is not allowed here (a value cannot start a new mapping on the same line)"
    ),
    "mapping values are not allowed here": N_(
        "a ':' is not allowed here (a value cannot start a new mapping on the same line)"
    ),
    "block sequence entries are not allowed in this context": N_(
        "a '-' list entry is not allowed here"
    ),
    "did not find expected key": _INDENT,
    "did not find expected '-' indicator": _INDENT,
    "did not find expected node content": N_("a value is missing here"),
    "did not find expected ',' or ']'": N_("a ',' or ']' is missing: the list is not closed"),
    "did not find expected ',' or '}'": N_("a ',' or '}' is missing: the mapping is not closed"),
    "could not find expected ':'": N_("a ':' is missing after the key"),
    "found character that cannot start any token": N_(
        "a character that cannot start a value (a tab? YAML is indented with spaces)"
    ),
    "found a tab character that violates indentation": N_(
        "a tab character in the indentation: YAML is indented with spaces"
    ),
    "found unexpected end of stream": N_("the file ends unexpectedly (an unclosed quote?)"),
    "found unknown escape character": N_("an unknown escape sequence in a quoted text"),
    "found undefined alias": N_("an undefined alias"),
    "malformed YAML": N_("malformed YAML"),
}


def yaml_problem(what: object) -> str:
    """PyYAML's description of a syntax error in the current language, when known."""
    text = str(what)
    if i18n.current() == i18n.DEFAULT or text not in YAML:
        return text
    return _(YAML[text])
