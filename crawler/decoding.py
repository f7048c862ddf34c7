"""Decoding of fetched pages: the bytes of a page to text, the way a browser would.

``decode_html`` tries a byte-order mark, the charset of the ``Content-Type`` header and of
``<meta charset>``, then UTF-8, and only then guesses with charset_normalizer.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# -- decoding ---------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Browsers look for <meta charset> in the first 1024 bytes; real pages put it later behind
# long comments and scripts, so look further: a false hit still has to pass validation.
_META_SCAN = 8192
# Browsers decode both labels as windows-1252 (WHATWG Encoding), whose extra characters
# (€, œ, ’, «…» spacing, …) French pages use all the time.
_BROWSER_CODECS = {"iso8859-1": "cp1252", "ascii": "cp1252"}
_LATIN_CODECS = {"cp1252", "iso8859-15"}
_STRAY_BYTES = re.compile("[\udc80-\udcff]+")
_NON_ASCII = re.compile("[^\x00-\x7f\udc80-\udcff]")


def _codec(label: str | None) -> str | None:
    """Return Python's codec for an encoding label, read as browsers read it."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'")).name
    except LookupError:
        return None
    return _BROWSER_CODECS.get(name, name)


def _declared(body: bytes, content_type: str | None) -> list[str]:
    """List the encodings declared by the HTTP header, then by the page, first one first."""
    declared = []
    header = _HEADER_CHARSET.search(content_type or "")
    if header and (codec := _codec(header.group(1))):
        declared.append(codec)
    meta = _META_CHARSET.search(body[:_META_SCAN])
    if meta and (codec := _codec(meta.group(1).decode("ascii"))):
        # A page cannot declare UTF-16 in its own bytes: browsers read such a page as UTF-8.
        declared.append("utf-8" if codec.startswith("utf-16") else codec)
    return list(dict.fromkeys(declared))


def _utf8(body: bytes) -> str | None:
    """Decode valid UTF-8, or return None."""
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _decode_as(body: bytes, codec: str) -> str | None:
    """Decode with a declared encoding, or return None when the bytes refute the declaration."""
    if codec == "utf-8":
        return _utf8(body)
    if codec in _LATIN_CODECS:
        # Multi-byte UTF-8 sequences almost never occur by chance in legacy text: a page that
        # holds some is UTF-8 whatever it says.
        if not body.isascii() and _utf8(body) is not None:
            return None
        return body.decode(codec, "replace")
    if codec.startswith(("utf-16", "utf-32")) and b"\x00" not in body[:_META_SCAN]:
        return None  # UTF-16 and UTF-32 write ASCII markup with zero bytes
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def _decode_broken_utf8(body: bytes) -> tuple[str, str]:
    """Decode a page said to be UTF-8 whose bytes are not: cp1252, or UTF-8 with stray bytes."""
    text = body.decode("utf-8", "surrogateescape")
    stray = sum(len(run) for run in _STRAY_BYTES.findall(text))
    if len(_NON_ASCII.findall(text)) > stray:
        # Mostly UTF-8 (a cut download, a quote pasted from Word): reading the whole page as
        # cp1252 would garble every accent, so only the stray bytes are read as cp1252.
        return _STRAY_BYTES.sub(_stray_as_cp1252, text), "utf-8"
    return body.decode("cp1252", "replace"), "cp1252"


def _stray_as_cp1252(match: re.Match) -> str:
    return match.group().encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode an HTML page and return its text with the encoding used (a Python codec name).

    Order: byte-order mark, the charset of the HTTP ``Content-Type``, the page's
    ``<meta charset>`` / ``http-equiv``, then detection. Declarations are checked against the
    bytes, as pages are often mislabelled: a page said to be UTF-8 that is not valid UTF-8 is
    read as cp1252 (its stray bytes only, when the rest is UTF-8), a page said to be
    latin-1/cp1252/ISO-8859-15 that is valid multi-byte UTF-8 is read as UTF-8, and
    ISO-8859-1 and ASCII mean cp1252 as in browsers. Never raises: undecodable bytes become
    U+FFFD.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    declared = _declared(body, content_type)
    for codec in declared:
        text = _decode_as(body, codec)
        if text is not None:
            return text, codec
    text = _utf8(body)
    if text is not None:
        return text, "utf-8"
    if "utf-8" in declared:
        return _decode_broken_utf8(body)
    return _detected(body)


def _detected(body: bytes) -> tuple[str, str]:
    """Decode undeclared legacy bytes with the encoding charset-normalizer finds most likely."""
    matches = from_bytes(body)
    best = matches.best()
    codec = _codec(best.encoding) if best else None
    # cp1252 is the legacy default of Western European pages: on short or plain texts several
    # code pages read about as well (a mess ratio within 2 points), and then it wins the tie.
    western = next((m for m in matches if _codec(m.encoding) == "cp1252"), None)
    tie = western is not None and best is not None and western.chaos <= best.chaos + 0.02
    if codec is None or codec.startswith("utf") or tie:
        codec = "cp1252"
    return body.decode(codec, "replace"), codec
