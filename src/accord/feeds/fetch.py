"""Getting a feed's bytes: an http(s) GET with limits, or a local file or directory.

The only code in accord that reaches the network for feeds, and only for an address a user
subscribed to.  Conditional GET (If-None-Match / If-Modified-Since) makes an unchanged feed
cost one 304.  No compression is asked for, so the size limit counts the bytes stored.
"""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from accord import __version__

USER_AGENT = f"accord-feeds/{__version__} (+conditions-based transition evaluation)"
MAX_REDIRECTS = 5
SUFFIXES = (".xml", ".rss", ".atom")
CHUNK = 64 * 1024


class FetchError(RuntimeError):
    """The feed could not be fetched; the message names the address or path."""


@dataclass
class Fetched:
    """One fetch: status 200 with documents (name, bytes), or 304 when nothing changed."""

    status: int
    documents: list[tuple[str, bytes]] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    warnings: list[str] = field(default_factory=list)


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        if not newurl.lower().startswith(("http://", "https://")):
            raise FetchError(f"{req.full_url}: redirected to a non-http(s) address {newurl!r}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # no FileHandler, FTPHandler or DataHandler: only http(s) leaves this module
    return urllib.request.build_opener(_Redirects())


def _open(request: urllib.request.Request, timeout: float) -> Any:
    """Send the request (the one place a feed touches the network; tests replace it)."""
    return _opener().open(request, timeout=timeout)


def _too_large(where: str, limit: int) -> FetchError:
    return FetchError(f"{where}: larger than the limit of {limit} bytes (ACCORD_FEED_MAX_BYTES)")


def fetch_url(
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    timeout: float,
    max_bytes: int,
) -> Fetched:
    """GET `url` (http or https only), conditionally; FetchError on any failure."""
    if not url.lower().startswith(("http://", "https://")):
        raise FetchError(f"{url}: only http and https addresses are fetched")
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/rss+xml, application/atom+xml, "
        "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(url, headers=headers, method="GET")
    deadline = time.monotonic() + timeout * 3  # connect, then a slow trickle, all bounded
    try:
        with _open(request, timeout) as response:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(url, max_bytes)
            chunks, size = [], 0
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise _too_large(url, max_bytes)
                if time.monotonic() > deadline:
                    raise FetchError(f"{url}: the download took longer than {timeout * 3:g} s")
                chunks.append(chunk)
            return Fetched(
                status=200,
                documents=[(url, b"".join(chunks))],
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
            )
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(status=304, etag=etag, last_modified=last_modified)
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise FetchError(f"{url}: no answer within {timeout:g} s") from None
        raise FetchError(f"{url}: {reason}") from None
    except TimeoutError:
        raise FetchError(f"{url}: no answer within {timeout:g} s") from None
    except (OSError, ValueError) as exc:  # connection reset, bad header, invalid URL
        raise FetchError(f"{url}: {exc}") from None


def _signature(files: list[Path]) -> str:
    """A fingerprint of names, sizes and modification times: the local 'ETag'."""
    h = hashlib.sha256()
    for f in files:
        st = f.stat()
        h.update(f"{f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _feed_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
    raise FetchError(f"{path}: no such file or directory")


def read_path(path: Path, *, signature: str | None, max_bytes: int) -> Fetched:
    """A local feed file, or every *.xml, *.rss and *.atom file of a directory (not its
    subdirectories); 304 when none changed since `signature`.  Never touches the network."""
    try:
        files = _feed_files(path)
        current = _signature(files)
    except OSError as exc:
        raise FetchError(f"{path}: {exc.strerror or exc}") from None
    if signature is not None and current == signature:
        return Fetched(status=304, etag=signature)
    out = Fetched(status=200, etag=current)
    for f in files:
        try:
            if f.stat().st_size > max_bytes:
                raise _too_large(str(f), max_bytes)
            out.documents.append((str(f), f.read_bytes()))
        except FetchError as exc:
            out.warnings.append(str(exc))
        except OSError as exc:
            out.warnings.append(f"{f}: {exc.strerror or exc}")
    if files and not out.documents:  # an empty drop directory is fine: nothing arrived yet
        if path.is_file():
            raise FetchError(out.warnings[0])
        raise FetchError(f"{path}: no feed file could be read: " + "; ".join(out.warnings))
    return out
