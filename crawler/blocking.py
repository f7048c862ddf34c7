"""Recognising pages that answer but hide the content: bot challenges, consent walls, logins.

Such a page must mark its source ``blocked``, never pass for a page (or a feed) with nothing
about us. The signatures are those of the challenge and consent services French news sites use.
"""

from __future__ import annotations

import re

# Markers of challenge services: they appear on the interstitial page, not on articles.
_CHALLENGES = [
    (
        r"<title>\s*just a moment\.{0,3}\s*</title>|/cdn-cgi/challenge-platform/|cf-chl-",
        "bot challenge (Cloudflare)",
    ),
    (r"<title>\s*attention required!? \| cloudflare", "bot challenge (Cloudflare)"),
    (r"geo\.captcha-delivery\.com|ct\.captcha-delivery\.com", "bot challenge (DataDome)"),
    (r"_incapsula_resource|incapsula incident id", "bot challenge (Imperva)"),
    (r"px-captcha|/_px/captcha", "bot challenge (PerimeterX)"),
]
# Markers that also occur in the chrome of real pages (a login box in the header, a consent
# banner): they count only on a short page whose content they are.
_INTERSTITIALS = [
    (
        r"<title>[^<]*(?:access denied|accès refusé|accès interdit)[^<]*</title>",
        "access denied page",
    ),
    (r"g-recaptcha|h-captcha|hcaptcha\.com", "captcha page"),
    (
        r"consent\.(?:google|yahoo)\.com|<title>[^<]*(?:avant d.accéder|before you continue)",
        "consent wall",
    ),
    (r"type=[\"']?password", "login page"),
]
_CHALLENGE_RE = [(re.compile(p, re.IGNORECASE), reason) for p, reason in _CHALLENGES]
_INTERSTITIAL_RE = [(re.compile(p, re.IGNORECASE), reason) for p, reason in _INTERSTITIALS]
_HEAD = 30_000  # only the beginning of a page is read
_SHORT_PAGE = 12_000  # bytes: interstitials are small, articles are not


def blocked_reason(body: bytes | str) -> str | None:
    """Return why this response hides the content (challenge, consent wall, login), or None."""
    if isinstance(body, bytes):
        body = body[:_HEAD].decode("utf-8", "replace")
    else:
        body = body[:_HEAD]
    for pattern, reason in _CHALLENGE_RE:
        if pattern.search(body):
            return reason
    if len(body) < _SHORT_PAGE:
        for pattern, reason in _INTERSTITIAL_RE:
            if pattern.search(body):
                return reason
    return None
