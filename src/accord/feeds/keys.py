"""The keys that recognise one item in several feeds: its GUID, its normalised link, its text.

Each key is stored as a SHA-256 hex digest (FeedItemKey.value_hash), one row per kind.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# query parameters that track the reader, not name the page
TRACKING = re.compile(
    r"^(utm_[a-z_]+|at_[a-z_]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|igshid|yclid|"
    r"_hsenc|_hsmi|ref_src|cmpid|s_cid|wt\.mc_id)$",
    re.I,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACE = re.compile(r"\s+")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_link(link: str | None) -> str | None:
    """The link with case, default port, fragment, tracking parameters and trailing slash
    removed and the query sorted; None when it is not an http(s) address."""
    if not link:
        return None
    try:
        parts = urlsplit(link.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)
    )
    path = parts.path.rstrip("/")
    # http and https name the same story: agencies move between them
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


def guid_key(guid: str | None, feed_location: str) -> str | None:
    """The GUID's key.  A GUID that is a URI, URN or tag (it has a colon) names the item
    everywhere; a bare one ("1234") is only unique within its feed, so the feed is part of it."""
    if not guid or not guid.strip():
        return None
    guid = guid.strip()
    return sha256(guid if ":" in guid else f"{feed_location}\n{guid}")


def link_key(link: str | None) -> str | None:
    normal = normalise_link(link)
    return sha256(normal) if normal else None


def content_key(title: str, summary: str, content: str) -> str | None:
    """SHA-256 of title, summary and content, whitespace collapsed and case folded; None when
    there is no text (items without text are not duplicates of each other)."""
    text = "\n".join(_SPACE.sub(" ", t).strip().casefold() for t in (title, summary, content))
    return sha256(text) if text.strip() else None


def keys(
    *, guid: str | None, link: str | None, title: str, summary: str, content: str, feed: str
) -> list[tuple[str, str]]:
    """(kind, hash) pairs of one item, strongest first: guid, link, content."""
    found = [
        ("guid", guid_key(guid, feed)),
        ("link", link_key(link)),
        ("content", content_key(title, summary, content)),
    ]
    return [(kind, value) for kind, value in found if value is not None]
