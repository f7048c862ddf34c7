"""Translating the stable English sentences that the crawler and the NLP store as reasons.

They stay English in the database (they also go out in JSON); the interface shows them in the
user's language. A sentence not listed here is shown as it is.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from .formatting import KIND_LABELS, MEDIUM_LABELS

_PATTERNS = [
    (r"the host name does not resolve", _l("the host name does not resolve")),
    (r"connection refused", _l("connection refused")),
    (r"no answer in time", _l("no answer in time")),
    (r"the download did not finish in time", _l("the download did not finish in time")),
    (r"the answer is not valid HTTP", _l("the answer is not valid HTTP")),
    (r"the connection was cut", _l("the connection was cut")),
    (r"cannot connect", _l("cannot connect")),
    (r"forbidden by robots\.txt", _l("forbidden by robots.txt")),
    (
        r"download stopped: the page is larger than allowed",
        _l("download stopped: the page is larger than allowed"),
    ),
    (
        r"the address serves an HTML page, not a feed(?P<detail> \(.*\))?",
        _l("the address serves an HTML page, not a feed"),
    ),
    (r"not a feed(?P<detail> \(.*\))?", _l("not a feed")),
    (r"no article text found in the page", _l("no article text found in the page")),
    (r"HTTP (?P<status>\d+) \((?P<label>[^)]*)\)", None),  # handled below
    (
        r"page not read: (?P<reason>.*); text from the feed",
        _l("page not read: %(reason)s; text from the feed"),
    ),
    (r"set in the review by (?P<user>.+)", _l("set in the review by %(user)s")),
    (r"(?P<outlet>.+) is a partner in the registry", _l("%(outlet)s is a partner in the registry")),
    (
        r"(?P<outlet>.+) is registered as (?P<medium>\w+)",
        _l("%(outlet)s is registered as %(medium)s"),
    ),
    (r"collected from a (?P<kind>\w+) feed", _l("collected from a feed of kind %(kind)s")),
    (r"the page or feed entry carries a video", _l("the page or feed entry carries a video")),
    (r"the page or feed entry carries audio", _l("the page or feed entry carries audio")),
    (r"broadcast cues in the text: (?P<cues>.*)", _l("broadcast cues in the text: %(cues)s")),
    (r"no print or broadcast evidence", _l("no print or broadcast evidence")),
    (
        r"This address is already stored \(clip (?P<id>\d+)\)\.",
        _l("This address is already stored (clip %(id)s)."),
    ),
    (r"Not a web address: (?P<url>.*)", _l("Not a web address: %(url)s")),
    (r"The title is empty\.", _l("The title is empty.")),
    (
        r"The page fraction must be between 0 and 1\.",
        _l("The page fraction must be between 0 and 1."),
    ),
    (
        r"The duration must be a positive number of seconds\.",
        _l("The duration must be a positive number of seconds."),
    ),
    (
        r"This clip was already entered \(same date, outlet and title\)\.",
        _l("This clip was already entered (same date, outlet and title)."),
    ),
    (r"bot challenge \((?P<service>\w+)\)", _l("bot challenge (%(service)s)")),
    (r"access denied page", _l("access denied page")),
    (r"captcha page", _l("captcha page")),
    (r"consent wall", _l("consent wall")),
    (r"login page", _l("login page")),
    (r"redirect loop or too many redirects", _l("redirect loop or too many redirects")),
    (
        r"(?P<host>\S+) resolves to (?P<address>\S+), an? (?P<address_kind>.+?) address; "
        r"an administrator can allow it with RETOMBEES_ALLOWED_NETWORKS\.?",
        _l(
            "%(host)s resolves to %(address)s, %(address_kind)s; an administrator can allow it "
            "with RETOMBEES_ALLOWED_NETWORKS."
        ),
    ),
    (
        r"(?P<address>\S+) is an? (?P<address_kind>.+?) address; "
        r"an administrator can allow it with RETOMBEES_ALLOWED_NETWORKS\.?",
        _l(
            "%(address)s is %(address_kind)s; an administrator can allow it with "
            "RETOMBEES_ALLOWED_NETWORKS."
        ),
    ),
]
# The kinds of address the crawler and the interface refuse (``models.netguard``).
ADDRESS_KINDS = {
    "loopback": _l("a loopback address"),
    "private": _l("a private address"),
    "link-local": _l("a link-local address"),
    "cloud metadata": _l("a cloud metadata address"),
    "shared (carrier-grade NAT)": _l("a shared (carrier-grade NAT) address"),
    "unspecified": _l("an unspecified address"),
    "multicast": _l("a multicast address"),
    "reserved": _l("a reserved address"),
}
_COMPILED = [(re.compile(f"^{pattern}$"), message) for pattern, message in _PATTERNS]
HTTP_LABELS = {
    "login required": _l("login required"),
    "access forbidden": _l("access forbidden"),
    "page not found": _l("page not found"),
    "page gone": _l("page gone"),
    "too many requests": _l("too many requests"),
    "server error": _l("server error"),
    "bad gateway": _l("bad gateway"),
    "service unavailable": _l("service unavailable"),
    "gateway timeout": _l("gateway timeout"),
}


def translate_reason(text: str | None) -> str:
    """Return ``text`` in the interface language when it is a known reason."""
    if not text:
        return ""
    for pattern, message in _COMPILED:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        if message is None:  # HTTP status with its label
            label = HTTP_LABELS.get(groups["label"], groups["label"])
            return f"HTTP {groups['status']} ({label})"
        values = {k: v for k, v in groups.items() if v is not None and k != "detail"}
        if "reason" in values:
            values["reason"] = translate_reason(values["reason"])
        if "medium" in values:
            values["medium"] = str(MEDIUM_LABELS.get(values["medium"], values["medium"]))
        if "address_kind" in values:
            kind = values["address_kind"]
            values["address_kind"] = str(ADDRESS_KINDS.get(kind, f"{kind} address"))
        if "kind" in values:
            values["kind"] = str(KIND_LABELS.get(values["kind"], values["kind"]))
        result = str(message) % values if values else str(message)
        return result + (groups.get("detail") or "")
    return text


def register(app) -> None:
    app.add_template_filter(translate_reason, "reason")
