"""The address guard: sources never make the server query itself or its private network.

Loopback, private, link-local (cloud metadata), shared, unspecified, multicast and reserved
addresses are refused unless an administrator allows their range, in the interface's
downloads and in the crawl, at every redirect hop.
"""

from __future__ import annotations

import socket
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from cli.main import main
from cli.sitehost import SiteServer
from crawler.runner import crawl_in_child
from models import (
    Campaign,
    Coverage,
    Settings,
    SettingsError,
    Source,
    SourceHealth,
    SourceKind,
)
from models.db import open_database
from models.netguard import BlockedAddress, check_url, classify
from models.source_setup import SetupError, fetch_for_setup
from tests.conftest import FIXTURES, make_settings

ADVICE = "an administrator can allow it with RETOMBEES_ALLOWED_NETWORKS."


def resolving_to(*addresses: str):
    """A stand-in for ``socket.getaddrinfo`` answering the given addresses for any name."""

    def resolver(host, port, type=0):  # noqa: A002 (getaddrinfo's keyword)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, type, 6, "", (a, port or 0))
            for a in addresses
        ]

    return resolver


# -- Classifying addresses --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.10", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "cloud metadata"),
        ("169.254.10.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "reserved"),  # documentation range
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped IPv6
        ("::ffff:169.254.169.254", "cloud metadata"),
        ("64:ff9b::7f00:1", "loopback"),  # NAT64 of 127.0.0.1
        ("93.184.215.14", None),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
        ("64:ff9b::808:808", None),  # NAT64 of a public address
    ],
)
def test_addresses_are_classified(address, kind):
    assert classify(address) == kind


def test_a_name_resolving_to_a_private_address_is_refused_with_a_clear_reason():
    with pytest.raises(BlockedAddress) as refused:
        check_url("https://example.test/feed.xml", "", resolving_to("10.1.2.3"))
    assert str(refused.value) == (f"example.test resolves to 10.1.2.3, a private address; {ADVICE}")
    assert isinstance(refused.value, ValueError)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/", f"127.0.0.1 is a loopback address; {ADVICE}"),
        (
            "http://169.254.169.254/latest/meta-data/",
            f"169.254.169.254 is a cloud metadata address; {ADVICE}",
        ),
        ("http://[::1]/feed", f"::1 is a loopback address; {ADVICE}"),
        ("http://[fe80::1]/", f"fe80::1 is a link-local address; {ADVICE}"),
        (
            "http://100.100.100.200/",
            f"100.100.100.200 is a shared (carrier-grade NAT) address; {ADVICE}",
        ),
        ("http://0.0.0.0:5000/", f"0.0.0.0 is an unspecified address; {ADVICE}"),
        ("http://2130706433/", f"2130706433 resolves to 127.0.0.1, a loopback address; {ADVICE}"),
        ("file:///etc/passwd", "Not a web address: file:///etc/passwd"),
        ("gopher://example.org/", "Not a web address: gopher://example.org/"),
    ],
)
def test_literal_addresses_and_other_schemes_are_refused_without_dns(url, reason):
    def no_dns(*_args, **_kwargs):
        raise AssertionError("no DNS lookup for an address literal")

    with pytest.raises(BlockedAddress) as refused:
        check_url(url, "", no_dns)
    assert str(refused.value) == reason


def test_one_forbidden_address_among_public_ones_is_enough_to_refuse():
    with pytest.raises(BlockedAddress, match="resolves to 192.168.0.7, a private address"):
        check_url("https://mixed.test/", "", resolving_to("93.184.215.14", "192.168.0.7"))


def test_public_addresses_and_unresolvable_names_pass():
    check_url("https://example.org/feed.xml", "", resolving_to("93.184.215.14", "2606:2800::1"))
    check_url("https://no-such-host.invalid/", "", resolving_to())  # the download will say


def test_an_allowed_range_lets_a_private_address_through_and_no_other():
    check_url("http://intranet.test/rss", "10.0.0.0/8", resolving_to("10.1.2.3"))
    check_url("http://[fd00::5]/rss", "10.0.0.0/8, fd00::/8")
    check_url("http://[::ffff:10.0.0.9]/rss", "10.0.0.0/8")
    with pytest.raises(BlockedAddress, match="192.168.1.1, a private address"):
        check_url("http://nas.test/", "10.0.0.0/8", resolving_to("192.168.1.1"))


@pytest.mark.parametrize("value", ["10.0.0.0/33", "intranet", "10.1.0.0/8"])
def test_a_bad_allowed_range_is_refused_when_settings_are_read(value):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"RETOMBEES_ALLOWED_NETWORKS": f"192.168.0.0/16, {value}"})
    message = str(error.value)
    assert message.startswith("RETOMBEES_ALLOWED_NETWORKS must list address ranges")
    assert repr(value) in message and message.endswith(".")


def test_a_bad_allowed_range_is_one_clear_line_on_the_command_line(tmp_path):
    env = {
        "RETOMBEES_INSTANCE_PATH": str(tmp_path / "instance"),
        "RETOMBEES_ALLOWED_NETWORKS": "10.0.0.0/33",
    }
    result = CliRunner().invoke(main, ["init-db"], env=env)
    assert result.exit_code == 1 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("Error: RETOMBEES_ALLOWED_NETWORKS must list address ranges")


def test_the_setting_reaches_a_child_process(tmp_path):
    settings = make_settings(tmp_path, allowed_networks="10.0.0.0/8, fd00::/8")
    assert Settings.from_env(settings.to_env()).allowed_networks == "10.0.0.0/8, fd00::/8"


# -- Local servers: an allowed one on 127.0.0.1 redirecting to a forbidden one on 127.0.0.2 ----


class Target:
    """A server on 127.0.0.2 (loopback too) that counts the requests reaching it."""

    def __init__(self):
        self.hits: Counter[str] = Counter()
        target = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802
                target.hits[self.path] += 1
                body = (FIXTURES / "site/atom.xml").read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.2:{self.port}/{path.lstrip('/')}"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def target():
    try:
        server = Target()
    except OSError as exc:  # 127.0.0.2 is loopback on Linux, not everywhere
        pytest.skip(f"cannot listen on 127.0.0.2: {exc}")
    yield server
    server.stop()


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Le Relais</title><link>{base}/</link>
<item><title>Le bassin minier fête ses terrils</title><link>{article}</link>
<guid>{article}</guid><pubDate>Sat, 14 Nov 2026 08:15:00 +0100</pubDate>
<description>Le bassin minier fête ses terrils avec une randonnée.</description></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def origin(target):
    """The allowed server: ``/hop/…`` redirects to 127.0.0.2, ``/relay.xml`` links there."""

    def hop(handler, path):
        return 302, {"Location": target.url(path.removeprefix("/hop"))}, b""

    def relay(handler, _path):
        host, port = handler.server.server_address[:2]
        body = FEED.format(base=f"http://{host}:{port}", article=target.url("article.html"))
        return 200, {"Content-Type": "application/rss+xml"}, body.encode()

    with SiteServer(FIXTURES, routes={"/hop/": hop, "/relay.xml": relay}) as server:
        yield server


def test_the_interface_refuses_a_loopback_address_unless_allowed(tmp_path, origin):
    url = origin.url("site/atom.xml")
    with pytest.raises(SetupError) as refused:
        fetch_for_setup(url, make_settings(tmp_path, allowed_networks=""))
    assert refused.value.code == "blocked"
    assert str(refused.value) == f"127.0.0.1 is a loopback address; {ADVICE}"
    assert origin.hits["/site/atom.xml"] == 0  # nothing was sent

    fetched = fetch_for_setup(url, make_settings(tmp_path, allowed_networks="127.0.0.0/8"))
    assert fetched.status == 200 and b"<feed" in fetched.content


def test_the_interface_checks_every_redirect_hop(tmp_path, origin, target):
    settings = make_settings(tmp_path, allowed_networks="127.0.0.1/32")
    with pytest.raises(SetupError) as refused:
        fetch_for_setup(origin.url("hop/feed.xml"), settings)
    assert refused.value.code == "blocked"
    assert str(refused.value) == f"127.0.0.2 is a loopback address; {ADVICE}"
    assert origin.hits["/hop/feed.xml"] == 1 and target.hits["/feed.xml"] == 0
    # With the second address allowed too, the same redirect is followed.
    both = make_settings(tmp_path, allowed_networks="127.0.0.1/32, 127.0.0.2/32")
    assert b"<feed" in fetch_for_setup(origin.url("hop/feed.xml"), both).content


def test_a_crawl_refuses_forbidden_addresses_and_marks_the_sources(tmp_path, origin, target):
    settings = make_settings(tmp_path, allowed_networks="127.0.0.1/32")
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add(Campaign(slug="bassin-minier", name="Bassin minier", query='"bassin minier"'))
        for name, url in {
            "allowed": origin.url("site/atom.xml"),
            "redirected": origin.url("hop/redirected.xml"),
            "direct": target.url("direct.xml"),
            "metadata": "http://169.254.169.254/latest/meta-data/",
            "relay": origin.url("relay.xml"),
        }.items():
            session.add(Source(name=name, kind=SourceKind.FEED, url=url))
    reached_before = sum(target.hits.values())
    stats = crawl_in_child(settings)
    assert stats.failing_sources == 3
    with sessions() as session:
        sources = {s.name: s for s in session.scalars(select(Source))}
        assert sources["allowed"].health == SourceHealth.OK
        assert sources["relay"].health == SourceHealth.OK
        expected = {
            "redirected": f"127.0.0.2 is a loopback address; {ADVICE}",
            "direct": f"127.0.0.2 is a loopback address; {ADVICE}",
            "metadata": f"169.254.169.254 is a cloud metadata address; {ADVICE}",
        }
        for name, reason in expected.items():
            source = sources[name]
            assert source.health == SourceHealth.FAILING, name
            assert source.last_error == reason.rstrip("."), (name, source.last_error)
            assert source.consecutive_failures == 1 and source.next_attempt_at
        # The relay's entry links to 127.0.0.2: the clip is kept, from the feed's text only.
        clip = session.scalar(select(Coverage).where(Coverage.url == target.url("article.html")))
        assert clip is not None
        assert clip.note.startswith("page not read: 127.0.0.2 is a loopback address")
    assert origin.hits["/hop/redirected.xml"] == 1
    assert sum(target.hits.values()) == reached_before  # no request reached 127.0.0.2


# -- Connection time: a name whose answer changes after the check ------------------------------


def test_the_resolver_refuses_a_forbidden_answer_and_the_source_gets_the_reason():
    from scrapy import Request
    from twisted.internet import reactor
    from twisted.internet.error import DNSLookupError

    from crawler.errors import describe_failure
    from crawler.netguard import (
        AddressGuardMiddleware,
        AddressRefused,
        GuardedResolver,
        ResolvedToForbiddenAddress,
    )

    resolver = GuardedResolver(reactor, 0, 5, allowed="127.0.0.1/32")
    assert resolver._check("127.0.0.1", "local.test") == "127.0.0.1"
    with pytest.raises(ResolvedToForbiddenAddress):
        resolver._check("10.9.8.7", "rebind.test")  # public at check time, private now
    # The connection fails as a DNS error; the middleware gives it the guard's reason.
    middleware = AddressGuardMiddleware("127.0.0.1/32")
    request = Request("http://rebind.test/feed.xml")
    with pytest.raises(AddressRefused) as refused:
        middleware.process_exception(request, DNSLookupError("no results"))
    assert str(refused.value) == f"rebind.test resolves to 10.9.8.7, a private address; {ADVICE}"

    class Failure:
        value = refused.value

    assert describe_failure(Failure()) == str(refused.value).rstrip(".")
    # Other DNS errors stay what they are.
    assert middleware.process_exception(Request("http://x.invalid/"), DNSLookupError()) is None
