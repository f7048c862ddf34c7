"""Addresses that sources may reach: never the machine itself or its private network.

A source's address is typed by a person (or found in a feed), and the crawler and the interface
download it from the server. Without a guard, an address such as ``http://127.0.0.1:6379/`` or
``http://169.254.169.254/`` (the cloud metadata service) would make the server query its own
services. Every host name is resolved and each of its addresses classified; loopback, private,
link-local, shared (carrier-grade NAT), unspecified, multicast and reserved addresses are
refused unless they lie in a range the administrator allows (``RETOMBEES_ALLOWED_NETWORKS``).

This module has no dependency on the rest of the project: the settings validate the allowed
ranges with :func:`parse_networks`, the interface (``models.source_setup``) and the crawler
(``crawler.netguard``) call :func:`check_url` before each download and at each redirect.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import urlsplit

ENV = "RETOMBEES_ALLOWED_NETWORKS"
WEB_SCHEMES = ("http", "https")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# The kinds named in reasons (stable English words: the interface translates them).
LOOPBACK = "loopback"
PRIVATE = "private"
LINK_LOCAL = "link-local"
METADATA = "cloud metadata"
SHARED = "shared (carrier-grade NAT)"
UNSPECIFIED = "unspecified"
MULTICAST = "multicast"
RESERVED = "reserved"
KINDS = (LOOPBACK, PRIVATE, LINK_LOCAL, METADATA, SHARED, UNSPECIFIED, MULTICAST, RESERVED)

_PRIVATE = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Instance metadata services (AWS, GCP, Azure, OpenStack…; AWS's IPv6 one).
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}


class BlockedAddress(ValueError):
    """An address sources must not reach; the text is one sentence saying which and why."""

    def __init__(self, reason: str, host: str = "", address: str = "", kind: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.host = host
        self.address = address
        self.kind = kind


def parse_networks(text: str) -> tuple[Network, ...]:
    """Parse a comma-separated list of ranges (``10.0.0.0/8, fd00::/8``; a lone address counts
    as its own range).

    :raises ValueError: with a one-sentence message naming the entry that is not a range.
    """
    return _parse(text or "")


@lru_cache(maxsize=32)
def _parse(text: str) -> tuple[Network, ...]:
    networks = []
    for item in text.replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=True))
        except ValueError as exc:
            raise ValueError(
                f"{ENV} must list address ranges separated by commas, such as 10.0.0.0/8; "
                f"{item!r} is not one ({exc})."
            ) from None
    return tuple(networks)


def classify(address: Address | str) -> str | None:
    """Return the kind of a forbidden address (``"private"``, ``"loopback"``…), or None when
    the address is public."""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:  # an IPv4 address in IPv6 clothing: judge the IPv4 one
            return classify(embedded)
    if address.is_unspecified or address in _THIS_NETWORK:
        return UNSPECIFIED
    if address.is_loopback:
        return LOOPBACK
    if address in _METADATA:
        return METADATA
    if address.is_link_local:
        return LINK_LOCAL
    if address in _SHARED:
        return SHARED
    if address.is_multicast:
        return MULTICAST
    if any(address in network for network in _PRIVATE if network.version == address.version):
        return PRIVATE
    if not address.is_global or address.is_reserved or getattr(address, "is_site_local", False):
        return RESERVED
    return None


def is_allowed(address: Address, allowed: Iterable[Network]) -> bool:
    """Tell whether ``address`` lies in one of the ``allowed`` ranges."""
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        candidates.append(address.ipv4_mapped)
    return any(
        a in network for network in allowed for a in candidates if a.version == network.version
    )


def _a(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"


def refusal(host: str, address: Address | str, kind: str) -> BlockedAddress:
    """The exception for ``host`` reaching ``address`` of ``kind``, with its sentence."""
    address = str(address)
    advice = f"an administrator can allow it with {ENV}."
    if host.strip("[]") == address:
        reason = f"{address} is {_a(kind)} {kind} address; {advice}"
    else:
        reason = f"{host} resolves to {address}, {_a(kind)} {kind} address; {advice}"
    return BlockedAddress(reason, host, address, kind)


def check_address(host: str, address: Address | str, allowed: str | Iterable[Network] = ()):
    """Refuse one resolved ``address`` of ``host`` unless it is public or allowed.

    :raises BlockedAddress: when it is forbidden.
    """
    networks = parse_networks(allowed) if isinstance(allowed, str) else tuple(allowed)
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])
    kind = classify(address)
    if kind is not None and not is_allowed(address, networks):
        raise refusal(host, address, kind)


Resolver = Callable[..., list]


def resolve(host: str, port: int | None = None, resolver: Resolver = socket.getaddrinfo):
    """The addresses of ``host`` (an IP literal is its own address; no DNS for it).

    Returns an empty list when the name does not resolve: saying so is the download's job.
    """
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        return []
    found = []
    for _family, _type, _proto, _name, sockaddr in infos:
        try:
            address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        except ValueError:
            continue
        if address not in found:
            found.append(address)
    return found


def _literal(host: str) -> Address | None:
    host = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # Forms that resolvers read as IPv4 although they are not dotted quads (2130706433,
    # 0x7f.1, 127.1): let the system's own parser say.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError, UnicodeError):
        return None


def check_url(
    url: str, allowed: str | Iterable[Network] = (), resolver: Resolver = socket.getaddrinfo
) -> None:
    """Refuse ``url`` when it is not a web address, or when any address of its host is
    forbidden and outside the ``allowed`` ranges (a setting's text or parsed ranges).

    A host name that does not resolve passes: the download will say so.

    :raises BlockedAddress: with a one-sentence reason naming the address and its kind.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        raise BlockedAddress(f"Not a web address: {url}") from None
    if parts.scheme.lower() not in WEB_SCHEMES or not host:
        raise BlockedAddress(f"Not a web address: {url}")
    check_host(host, allowed, resolver=resolver)


def check_host(
    host: str,
    allowed: str | Iterable[Network] = (),
    port: int | None = None,
    resolver: Resolver = socket.getaddrinfo,
) -> None:
    """Refuse ``host`` when any of its addresses is forbidden and not allowed.

    :raises BlockedAddress: naming the first such address.
    """
    networks = parse_networks(allowed) if isinstance(allowed, str) else tuple(allowed)
    for address in resolve(host, port, resolver):
        check_address(host, address, networks)
