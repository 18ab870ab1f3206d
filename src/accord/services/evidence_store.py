"""Evidence files: stored by content (SHA-256), typed by their bytes, never by the client."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
import zipfile
from pathlib import Path

from accord.i18n import gettext as _

from . import Invalid, NotFound

OCTET = "application/octet-stream"
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
# text a browser could take for active content is never served as text
MARKUP = (b"<!doctype", b"<html", b"<svg", b"<script", b"<?xml", b"<body", b"<head", b"<iframe")
SERVABLE = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "application/zip", "text/plain", *OOXML.values()}
)


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return OCTET
    if "[Content_Types].xml" in names:
        for prefix, media in OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return media
    return "application/zip"


def _is_text(data: bytes) -> bool:
    head = data[:4096]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # a multi-byte character cut at the end is fine
            return False
        text = head[: exc.start].decode("utf-8")
    if any(ord(c) < 32 and c not in "\t\n\r\f" for c in text):
        return False
    lowered = head.lower()
    return not any(m in lowered for m in MARKUP)


def sniff(data: bytes) -> str:
    """The media type of `data` from its first bytes; application/octet-stream when unsure."""
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _zip_type(data)
    if data and _is_text(data):
        return "text/plain"
    return OCTET


def served_type(media_type: str | None) -> str:
    """The Content-Type a stored file is served with: known safe types only."""
    if media_type == "text/plain":
        return "text/plain; charset=utf-8"
    return media_type if media_type in SERVABLE else OCTET


def check_size(size: int, max_bytes: int) -> None:
    """Invalid when a file is over the configured limit, naming the limit."""
    if size > max_bytes:
        raise Invalid(
            _(
                "file: %(size)s bytes is over the evidence limit of %(max)s bytes "
                "(%(mb)s MB; setting ACCORD_EVIDENCE_MAX_BYTES)",
                size=size,
                max=max_bytes,
                mb=format(max_bytes / 1024 / 1024, "g"),
            )
        )


def path_for(data_dir: Path, sha256: str) -> Path:
    """Where the file with this SHA-256 lives."""
    return data_dir / "evidence" / sha256[:2] / sha256


def store(data_dir: Path, data: bytes) -> str:
    """Store `data` under its SHA-256 (once: identical files share one copy); its hex digest."""
    digest = hashlib.sha256(data).hexdigest()
    target = path_for(data_dir, digest)
    if target.exists():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    # a reader never sees a half-written file: write aside, then rename into place
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest


def read(data_dir: Path, sha256: str) -> bytes:
    """The stored bytes; NotFound when the file is missing from the store."""
    try:
        return path_for(data_dir, sha256).read_bytes()
    except FileNotFoundError:
        raise NotFound(
            _("the stored file %(sha256)s is missing from the evidence store", sha256=sha256)
        ) from None


def delete(data_dir: Path, sha256: str) -> bool:
    """Delete a stored file (the caller knows nothing refers to it); whether one was there."""
    target = path_for(data_dir, sha256)
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    with contextlib.suppress(OSError):  # the two-letter folder, once empty
        target.parent.rmdir()
    return True
