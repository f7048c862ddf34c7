"""Fetching one URL outside a crawl, for the inspection commands (``extract``, ``feed``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import urllib3

from models import Settings


class FetchError(RuntimeError):
    """A URL or file that could not be read; the message says why."""


@dataclass
class Fetched:
    content: bytes
    content_type: str | None
    url: str | None  # final URL after redirects; None for a local file


def read_input(target: str, settings: Settings) -> Fetched:
    """Read ``target``: an http(s) URL (size and time limits from settings) or a local file.

    :raises FetchError: when it cannot be read.
    """
    if not target.startswith(("http://", "https://")):
        path = Path(target)
        try:
            return Fetched(path.read_bytes(), None, None)
        except OSError as exc:
            raise FetchError(f"cannot read {target}: {exc.strerror or exc}") from exc
    http = urllib3.PoolManager(
        headers={"User-Agent": settings.user_agent},
        timeout=urllib3.Timeout(total=settings.download_timeout),
        retries=urllib3.Retry(total=2, redirect=5, raise_on_redirect=True),
    )
    try:
        response = http.request("GET", target, preload_content=False)
        body = response.read(settings.max_page_bytes + 1, decode_content=True)
        response.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise FetchError(f"cannot fetch {target}: {exc}") from exc
    if len(body) > settings.max_page_bytes:
        raise FetchError(f"{target} is larger than {settings.max_page_bytes} bytes")
    if response.status >= 400:
        raise FetchError(f"{target} answered HTTP {response.status}")
    final = response.geturl() or target
    return Fetched(body, response.headers.get("Content-Type"), final)
