"""What the crawl benchmarks share: generated news pages and feeds, sites on loopback addresses
serving them from memory with validators (ETag, Last-Modified), and a database of feeds.

Used by ``bench/crawl.py`` (pages and feeds built once) and ``bench/polling.py`` (feeds that
change between polling rounds, answered by a subclass of :class:`Site`).
"""

from __future__ import annotations

import json
import random
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from models import Campaign, Settings, Source, SourceKind  # noqa: E402
from models.db import open_database  # noqa: E402

WORDS = (
    "le bassin minier du Nord-Pas-de-Calais inscrit au patrimoine mondial de l'UNESCO accueille "
    "visiteurs terrils chevalements cités minières Lens Liévin Loos-en-Gohelle Oignies Douai "
    "habitants mémoire ouvrière rénovation énergétique musée exposition saison culturelle "
    "randonnée élus association reportage projet territoire histoire charbon fosse puits "
    "jeunes avenir emploi transition paysage parc agglomération communauté mission"
).split()

RSS = "application/rss+xml"
HTML = "text/html"


def article_page(site: int, n: int, rng: random.Random) -> bytes:
    """A 200 kB article page: a 700-word article inside realistic page chrome."""
    words = [rng.choice(WORDS) for _ in range(700)]
    paragraphs = "".join(
        f"<p>{' '.join(words[i : i + 70]).capitalize()}.</p>" for i in range(0, 700, 70)
    )
    menu = "".join(f'<li><a href="/rubrique/{k}">Rubrique {k}</a></li>' for k in range(300))
    related = "".join(
        f'<li><a href="/autre/{k}.html">Un autre titre de la rubrique numéro {k}</a></li>'
        for k in range(200)
    )
    script = "var tracking = " + json.dumps({"k": ["x" * 60] * 900}) + ";"
    html = f"""<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
<title>Article {n} du site {site} — bassin minier</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2026-11-{1 + n % 24:02d}T08:00:00+01:00">
<script>{script}</script></head><body>
<header><nav><ul>{menu}</ul></nav><div class="cookie">Nous utilisons des cookies.</div></header>
<main><article><h1>Article {n} : le bassin minier à l'honneur</h1>
<p class="byline">Par Jeanne Martin</p>{paragraphs}</article>
<aside><h2>À lire aussi</h2><ul>{related}</ul></aside></main>
<footer><p>Mentions légales, conditions générales, politique de confidentialité.</p></footer>
</body></html>"""
    return html.encode()


def feed(
    site_base: str,
    site: int,
    feed_no: int,
    articles: list[int],
    title: Callable[[int], str] | None = None,
) -> bytes:
    """An RSS feed of ``articles`` (newest first, an hour apart); ``title(n)`` names article n."""
    now = datetime(2026, 11, 25, 8, tzinfo=UTC)
    items = "".join(
        f"<item><title>{title(n) if title else f'Article {n} du site {site}'}</title>"
        f"<link>{site_base}/articles/{n}.html</link><guid>{site_base}/articles/{n}.html</guid>"
        f"<pubDate>{format_datetime(now - timedelta(hours=position))}</pubDate>"
        f"<description>Le bassin minier, article {n}.</description></item>"
        for position, n in enumerate(articles)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>Site {site} flux {feed_no}</title>{items}</channel></rss>"
    ).encode()


def host_address(index: int) -> str:
    """The loopback address of site ``index``: 127.0.0.2, 127.0.0.3 … then 127.0.1.2 …"""
    return f"127.0.{index // 250}.{index % 250 + 2}"


@dataclass
class Answer:
    """What a site answers for one address; ``render`` is called only for a full answer."""

    render: Callable[[], bytes]
    etag: str
    last_modified: str | None = None
    content_type: str = HTML


def not_modified(headers, answer: Answer) -> bool:
    """Tell whether the request's validators still hold (If-None-Match first, as RFC 9110)."""
    if headers.get("If-None-Match") is not None:
        return headers["If-None-Match"] == answer.etag
    since = headers.get("If-Modified-Since")
    if since and answer.last_modified:
        try:
            return parsedate_to_datetime(since) >= parsedate_to_datetime(answer.last_modified)
        except (TypeError, ValueError):
            return False
    return False


class Site:
    """One news site on its own loopback address, serving from memory, with validators.

    ``pages`` maps paths to bodies (ETag from the body); subclasses override :meth:`answer`
    to serve what changes, and :meth:`served` to count what they answered.
    """

    def __init__(self, index: int, pages: dict[str, bytes], poll_interval: float = 0.05):
        self.index = index
        self.pages = pages
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                answer = site.answer(self.path)
                if answer is None:
                    self._send(404, b"")
                elif not_modified(self.headers, answer):
                    self._send(304, b"", answer)
                else:
                    self._send(200, answer.render(), answer)

            def _send(self, status: int, body: bytes, answer: Answer | None = None):
                self.send_response(status)
                if answer is not None:
                    if status == 200:
                        self.send_header("Content-Type", f"{answer.content_type}; charset=utf-8")
                    self.send_header("ETag", answer.etag)
                    if answer.last_modified:
                        self.send_header("Last-Modified", answer.last_modified)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                site.served(self.path, status)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer((host_address(index), 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://{host_address(index)}:{self.httpd.server_address[1]}"
        threading.Thread(
            target=self.httpd.serve_forever, args=(poll_interval,), daemon=True
        ).start()

    def answer(self, path: str) -> Answer | None:
        body = self.pages.get(path)
        if body is None:
            return None
        kind = RSS if path.endswith(".xml") else HTML
        return Answer(lambda: body, f'"{hash(body) & 0xFFFFFFFF:x}"', content_type=kind)

    def served(self, path: str, status: int) -> None:
        """Called after each answer (for counting); nothing by default."""


def prepared(
    tmp: str,
    feed_urls: list[str],
    database_url: str = "",
    interval_minutes: int = 60,
    query: str = '"bassin minier"',
) -> Settings:
    """Settings and a database with one campaign (``query``) and the given feeds."""
    settings = Settings.from_env(
        environ={},
        instance_path=tmp,
        database_url=database_url,
        log_level="WARNING",
        seed_example=False,
        admin_password="benchmark-password",
        allowed_networks="127.0.0.0/8",  # the benchmark's sites are on loopback
    )
    engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add(Campaign(slug="bench", name="Bench", query=query))
        for url in feed_urls:
            session.add(
                Source(name=url, kind=SourceKind.FEED, url=url, interval_minutes=interval_minutes)
            )
    engine.dispose()
    return settings
