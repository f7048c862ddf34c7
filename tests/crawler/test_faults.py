"""Sources that misbehave at the network level (slow drip, reset, garbage, gigabytes, endless
redirects), and PostgreSQL going away in the middle of a crawl.

The misbehaving sources come from a small raw-socket server of this file: ``http.server`` cannot
reset a connection, lie about a length or stream forever.
"""

from __future__ import annotations

import random
import socket
import socketserver
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, make_url, select

from crawler.runner import crawl_in_child
from models import Campaign, Coverage, Medium, Outlet, Source, SourceHealth, SourceKind
from models.db import open_database
from models.source import due_sources
from tests.conftest import make_settings
from tests.relay import CuttableProxy

QUERY = '"bassin minier" OR terrils OR "Louvre-Lens"'
RESET = (1).to_bytes(4, "little") + (0).to_bytes(4, "little")  # SO_LINGER on, 0 s: close = RST
FEED_HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>T</title>'
ITEM = (
    b"<item><title>Le bassin minier, encore et encore</title>"
    b"<link>http://127.0.0.1:9/never/%d.html</link><description>terrils</description></item>\n"
)


def endless_feed():
    """A valid-looking feed that never ends, in pieces of about 100 KB."""
    yield FEED_HEAD
    number = 0
    while True:
        yield b"".join(ITEM % (number + i) for i in range(1000))
        number += 1000


# -- The fault server ------------------------------------------------------------------------


class FaultServer(socketserver.ThreadingTCPServer):
    """A listener on its own loopback address (its own site, for Scrapy's per-site slots)
    whose paths misbehave: ``/drip``, ``/reset-before``, ``/reset-middle``, ``/not-http``,
    ``/binary``, ``/short``, ``/giga-length``, ``/giga-chunked``, ``/redirect/N``."""

    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, host: str):
        super().__init__((host, 0), FaultHandler)
        self.sent: Counter[str] = Counter()  # bytes sent per path
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.articles = 0  # article pages asked for so far (``/news``)
        self.gates: list[threading.Event] = []  # the n-th article waits for the first n gates

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/{path.lstrip('/')}"

    def __enter__(self):
        threading.Thread(target=self.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.shutdown()
        self.server_close()


class FaultHandler(socketserver.BaseRequestHandler):
    server: FaultServer

    def handle(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(4096)
            if not chunk:
                return
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        self.headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in head[1:])
        }
        path = head[0].split(" ")[1]
        with self.server.lock:
            self.server.hits[path] += 1
        self.path = path
        name = path.strip("/").split("/", 1)[0].replace("-", "_")
        try:
            getattr(self, f"fault_{name}", self.fault_not_found)()
        except OSError:  # the crawler hung up, as it should
            pass

    def send(self, data: bytes) -> None:
        self.request.sendall(data)
        with self.server.lock:
            self.server.sent[self.path] += len(data)

    def head(self, status: str = "200 OK", **headers: str) -> None:
        lines = [f"HTTP/1.1 {status}", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def reset(self) -> None:
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
        self.request.close()

    def fault_not_found(self):  # robots.txt among others
        self.head("404 Not Found", Content_Type="text/plain", Content_Length="0")

    def fault_drip(self):
        """Valid headers, then a byte every half second: never idle, never done."""
        self.head(Content_Type="application/rss+xml", Connection="close")
        for piece in endless_feed():
            for byte in piece:
                if self.server.stopping.wait(0.5):
                    return
                self.send(bytes([byte]))

    def fault_reset_before(self):
        self.reset()

    def fault_reset_middle(self):
        self.head(Content_Type="application/rss+xml", Content_Length="200000")
        self.send(next(endless_feed()) + ITEM % 1)
        time.sleep(0.2)
        self.reset()

    def fault_not_http(self):
        self.send(random.Random(1).randbytes(4000))

    def fault_binary(self):
        body = random.Random(2).randbytes(20_000)
        self.head(Content_Type="application/rss+xml", Content_Length=str(len(body)))
        self.send(body)

    def fault_short(self):
        """A length larger than what is sent, then a clean close."""
        self.head(Content_Type="application/rss+xml", Content_Length="50000")
        self.send(FEED_HEAD + ITEM % 1)

    def fault_giga_length(self):
        self.head(Content_Type="application/rss+xml", Content_Length=str(5 * 1024**3))
        for piece in endless_feed():
            self.send(piece)

    def fault_giga_chunked(self):
        self.head(Content_Type="application/rss+xml", Transfer_Encoding="chunked")
        for piece in endless_feed():
            self.send(b"%x\r\n%s\r\n" % (len(piece), piece))

    def fault_redirect(self):
        """Each address sends to the next one, never twice the same: not a loop, no end."""
        number = int(self.path.rstrip("/").rsplit("/", 1)[1]) + 1
        target = f"/redirect/{number}"
        self.head("302 Found", Location=target, Content_Length="0")

    def fault_news(self):
        """A news site: a feed of NEWS_ITEMS entries with an ETag (honoured); the article pages
        wait for the test's gates, in the order they are asked for."""
        if self.path.startswith("/news/article/"):
            with self.server.lock:
                self.server.articles += 1
                turn = self.server.articles
            for gate in self.server.gates[:turn]:
                gate.wait(60)
            body = ARTICLE.format(path=self.path).encode()
            self.head(Content_Type="text/html; charset=utf-8", Content_Length=str(len(body)))
            self.send(body)
            return
        if self.headers.get("if-none-match") == NEWS_ETAG:
            self.head("304 Not Modified", ETag=NEWS_ETAG, Content_Length="0")
            return
        items = "".join(
            f"<item><title>Article {i} sur le bassin minier</title>"
            f"<link>{self.server.url(f'news/article/{i}.html')}</link></item>"
            for i in range(NEWS_ITEMS)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>N</title>{items}'
        body = (body + "</channel></rss>").encode()
        self.head(Content_Type="application/rss+xml", ETag=NEWS_ETAG, Content_Length=str(len(body)))
        self.send(body)


NEWS_ITEMS = 12
NEWS_ETAG = '"v1"'
ARTICLE = (
    "<html><head><title>{path}</title></head><body><article><h1>{path}</h1>"
    + "<p>À Oignies, le 9-9bis du bassin minier accueille une exposition sur les mineurs et "
    "leurs familles, avec des photographies et des témoignages recueillis dans les cités.</p>"
    * 4
    + "</article></body></html>"
)

FAULTS = [
    "drip/feed.xml",
    "reset-before/feed.xml",
    "reset-middle/feed.xml",
    "not-http/feed.xml",
    "binary/feed.xml",
    "short/feed.xml",
    "giga-length/feed.xml",
    "giga-chunked/feed.xml",
    "redirect/0",
]


@pytest.fixture
def fault_servers():
    """One fault server per fault, each on its own loopback address."""
    servers = {}
    try:
        for number, fault in enumerate(FAULTS, 20):
            servers[fault] = FaultServer(f"127.0.0.{number}").__enter__()
        yield servers
    finally:
        for server in servers.values():
            server.__exit__()


def add_sources(sessions, urls: dict[str, str]) -> None:
    """A campaign, an outlet and one feed source per address."""
    with sessions.begin() as session:
        session.add(Campaign(slug="bassin-minier", name="Bassin minier", query=QUERY))
        outlet = Outlet(name="La Gazette de l'Artois", medium=Medium.PRESS)
        for name, url in urls.items():
            session.add(Source(name=name, kind=SourceKind.FEED, url=url, outlet=outlet))


REASONS = {
    "drip/feed.xml": "the download did not finish in time",
    "reset-before/feed.xml": "the connection was cut",
    "reset-middle/feed.xml": "the connection was cut",
    "not-http/feed.xml": "the answer is not valid HTTP",
    "binary/feed.xml": "not a feed",
    "short/feed.xml": "the connection was cut",
    "giga-length/feed.xml": "download stopped: the page is larger than allowed",
    "giga-chunked/feed.xml": "download stopped: the page is larger than allowed",
    "redirect/0": "redirect loop or too many redirects",
}
GOOD = {"press": "site/press/rss.xml", "atom": "site/atom.xml"}
PRESS_PAGES = ("npdc-1.html", "npdc-2.html", "lorraine.html")


def test_misbehaving_sources_are_marked_and_the_rest_is_stored(
    tmp_path, fixture_server, fault_servers
):
    timeout = 2
    settings = make_settings(
        tmp_path, download_timeout=timeout, max_page_bytes=1_000_000, crawl_timeout=600
    )
    _engine, sessions = open_database(settings)
    urls = {fault: server.url(fault) for fault, server in fault_servers.items()}
    urls.update({name: fixture_server.url(path) for name, path in GOOD.items()})
    add_sources(sessions, urls)
    with sessions.begin() as session:  # stored before: nothing of it may be lost
        session.add(Coverage(url="https://example.fr/old", title="Ancienne retombée"))

    for attempt in (1, 2):  # the second crawl meets the same faults and stores nothing twice
        started = time.monotonic()
        stats = crawl_in_child(settings)
        # Each fault costs at most two downloads (one retry) of `timeout` seconds; the rest is
        # a margin for a loaded machine. Without the total download timeout the drip would
        # hold the crawl until crawl_timeout (600 s).
        assert time.monotonic() - started < 10 * timeout + 30
        assert (stats.sources, stats.failing_sources) == (len(urls), len(REASONS))
        with sessions() as session:
            sources = {s.name: s for s in session.scalars(select(Source))}
            for fault, reason in REASONS.items():
                source = sources[fault]
                assert source.health == SourceHealth.FAILING, fault
                assert source.last_error == reason or source.last_error.startswith(
                    f"{reason} ("  # "not a feed (SAXParseException: …)"
                ), (fault, source.last_error)
                assert source.consecutive_failures == attempt, fault
            assert {sources[name].health for name in GOOD} == {SourceHealth.OK}
            stored = sorted(session.scalars(select(Coverage.url)))
        if attempt == 1:
            first = stored
            assert stats.stored == len(stored) - 1
        assert stored == first
    assert "https://example.fr/old" in stored
    assert {fixture_server.url(f"site/press/articles/{page}") for page in PRESS_PAGES} <= set(
        stored
    )
    assert stats.stored == 0
    # The crawler stopped reading at max_page_bytes (plus what sat in socket buffers).
    for fault in ("giga-length/feed.xml", "giga-chunked/feed.xml"):
        assert fault_servers[fault].sent[f"/{fault}"] < 50_000_000, fault
    assert fault_servers["drip/feed.xml"].sent["/drip/feed.xml"] < 2_000


def _count(sessions) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Coverage))


def _wait_until(check, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_crawl_cut_off_from_postgresql_loses_nothing(tmp_path, postgres_url):
    """PostgreSQL goes away in the middle of a crawl and comes back: the crawl says it is
    incomplete, carries on once the database is back, and the next crawl stores the rest, each
    clip once (though the feed answers "304 Not Modified" to a client that kept its ETag)."""
    direct = make_settings(tmp_path, database_url=postgres_url)
    _engine, sessions = open_database(direct)
    url = make_url(postgres_url)
    proxy = CuttableProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    relayed = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    through_proxy = make_settings(tmp_path, database_url=relayed)
    # Articles 1-3 answer at once, 4-6 once the database is gone, the others once it is back.
    free, cut, restored = threading.Event(), threading.Event(), threading.Event()
    free.set()
    with FaultServer("127.0.0.40") as news, ThreadPoolExecutor(1) as pool:
        news.gates = [free] * 3 + [cut] * 3 + [restored]
        add_sources(sessions, {"news": news.url("news/feed.xml")})
        crawl = pool.submit(crawl_in_child, through_proxy)
        try:
            _wait_until(lambda: _count(sessions) == 3)
            proxy.cut()
            cut.set()
            _wait_until(lambda: news.articles > 6)  # 4-6 answered: the crawl has them
            time.sleep(2)  # … and fails to store them
            proxy.start()
        finally:
            cut.set()
            restored.set()
        with pytest.raises(RuntimeError, match="crawl incomplete: the database could not be"):
            crawl.result(timeout=240)
        after_outage = _count(sessions)
        with sessions() as session:  # due again at once, as the scheduler would see it
            due = [source.id for source in due_sources(session)]
        assert due, "the source whose clips were lost is not due again"
        again = crawl_in_child(through_proxy, due)
    proxy.cut()
    with sessions() as session:
        urls = list(session.scalars(select(Coverage.url)))
        source = session.scalar(select(Source))
    # Complete this time: the ETag is kept, the next crawl may get "304 Not Modified".
    assert source.health == SourceHealth.OK and source.etag == NEWS_ETAG
    # The crawl reconnected by itself: the clips that came after the outage were stored.
    assert 3 + NEWS_ITEMS - 6 <= after_outage < NEWS_ITEMS
    assert again.stored == NEWS_ITEMS - after_outage and again.database_errors == 0
    # Every clip of the feed, each once.
    assert sorted(urls) == sorted({news.url(f"news/article/{i}.html") for i in range(NEWS_ITEMS)})
