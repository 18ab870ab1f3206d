"""Display-only sanitising of feed HTML: the stored text stays verbatim, pages show this.

An allow-list of harmless tags (nh3, i.e. ammonia's html5ever parser): no scripts, styles,
frames, forms, event handlers, style or class attributes, and no images (they would load
remote content from the page: each becomes its alt text).  Links keep only http, https and
mailto addresses; relative ones are resolved against the item's own link (or dropped), and
every link gets rel="noopener noreferrer nofollow".
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import nh3

TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "div",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "ins",
        "li",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "u",
        "ul",
    }
)
# removed with everything inside them, not merely unwrapped
DROPPED = frozenset(
    {
        "applet",
        "audio",
        "button",
        "canvas",
        "embed",
        "form",
        "frame",
        "frameset",
        "iframe",
        "input",
        "math",
        "noscript",
        "object",
        "script",
        "select",
        "style",
        "svg",
        "template",
        "textarea",
        "video",
    }
)
ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
}
SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"

# after the first pass an image is exactly `<img>` or `<img alt="...">` (html5ever's output)
_IMG = re.compile(r'<img(?: alt="([^"]*)")?>')
_BREAK = re.compile(r"<(?:br|hr|/p|/li|/dt|/dd|/div|/tr|/td|/th|/h[1-6]|/blockquote|/pre)\b[^>]*>")
_SPACE = re.compile(r"\s+")


def _image_as_text(match: re.Match[str]) -> str:
    alt = _SPACE.sub(" ", html.unescape(match.group(1) or "")).strip()
    return f"[image: {html.escape(alt)}]" if alt else ""


def _base(link: str | None) -> str | None:
    if not link:
        return None
    parts = urlsplit(link.strip())
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return link.strip()
    return None


def _clean(text: str, base: str | None, *, images: bool = False) -> str:
    tags = set(TAGS) | ({"img"} if images else set())
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    if images:
        attributes["img"] = {"alt"}
    return nh3.clean(
        text,
        tags=tags,
        clean_content_tags=set(DROPPED),
        attributes=attributes,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(SCHEMES),
        url_relative=("rewrite_with_base", base) if base else "deny",
    )


def to_html(text: str, *, base_url: str | None = None) -> str:
    """Feed HTML (or plain text) as markup safe to insert into a page; the input is unchanged.

    `base_url` (the item's own link) resolves relative links; without an http(s) base they
    are dropped, so that nothing points into accord itself.
    """
    if not text:
        return ""
    base = _base(base_url)
    # first pass: normalised markup with images reduced to their alt text; second pass: the
    # final allow-list, without images, over the whole result (the text put in included)
    first = _IMG.sub(_image_as_text, _clean(text, base, images=True))
    return _clean(first, base)


def to_text(text: str, *, limit: int | None = None) -> str:
    """Feed HTML (or plain text) as plain text: tags and dropped content removed, entities
    decoded, whitespace collapsed, cut at `limit` characters with an ellipsis."""
    if not text:
        return ""
    spaced = _BREAK.sub(lambda m: m.group(0) + " ", to_html(text))
    bare = nh3.clean(spaced, tags=set(), clean_content_tags=set(DROPPED), link_rel=None)
    plain = _SPACE.sub(" ", html.unescape(bare)).strip()
    if limit is None or len(plain) <= limit:
        return plain
    cut = plain[: max(limit - 1, 1)]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


__all__ = ["LINK_REL", "to_html", "to_text"]
