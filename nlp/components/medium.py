"""``retombees_medium``: press, TV, radio, web or partner relay, with the reason kept.

Evidence in order of trust: the clip's outlet in the registry (partner flag, medium); the
source kind (podcast, video feed); the page's address (broadcaster and press sites of
``nlp/data/media/domains.json`` and of the outlet registry CSV); video and audio platforms; the
page and feed metadata (audio/video objects, ``og:video``); an unknown site's address naming a
video or audio page; broadcast and print cues in the text ("reportage diffusé", "au micro de"…,
``nlp/data/media/cues.json``). Default: web. docs/nlp-territory-and-medium.md gives the order.

Context keys read: ``outlet_name``, ``outlet_medium``, ``outlet_needs_review``, ``is_partner``,
``source_kind``, ``medium_hints``, ``url``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc
from spacy.util import registry

from models.registry import REGISTRY_CSV, read_registry

from .context import context

MEDIA_DIR = Path(__file__).resolve().parent.parent / "data" / "media"
MEDIA = ("press", "tv", "radio", "web", "partner")
SOURCE_KINDS = {"podcast": "radio", "video": "tv"}

for _name in ("retombees_medium", "retombees_medium_reason"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


@dataclass(frozen=True)
class Site:
    """A domain, optionally narrowed to a path, whose pages have a known medium."""

    domain: str
    path: str
    medium: str
    name: str
    registered: bool  # from the outlet registry rather than the curated list

    def matches(self, host: str, path: str) -> bool:
        """Tell whether a page at ``host`` + ``path`` belongs to this site."""
        on_domain = host == self.domain or host.endswith("." + self.domain)
        prefix = self.path.rstrip("/")
        return on_domain and (not prefix or path == prefix or path.startswith(prefix + "/"))


@dataclass
class MediaData:
    """The known sites, the platforms, the address hints and the text cues."""

    sites: list[Site]
    video_platforms: tuple[str, ...]
    audio_platforms: tuple[str, ...]
    path_hints: dict[str, list[str]] = field(default_factory=dict)
    cues: dict[str, list[str]] = field(default_factory=dict)

    def site_for(self, host: str, path: str) -> Site | None:
        """Return the most specific known site of a page; on a tie, the registry decides."""
        found = [site for site in self.sites if site.matches(host, path)]
        if not found:
            return None
        best = max(len(site.domain) + len(site.path.rstrip("/")) for site in found)
        tied = [s for s in found if len(s.domain) + len(s.path.rstrip("/")) == best]
        registered = [s for s in tied if s.registered]
        curated = [s for s in tied if not s.registered]
        # The registry's medium wins; the curated name is kept when both agree, because a
        # registry row names one station of a shared domain ("ICI Nord" for francebleu.fr).
        if registered and curated and curated[0].medium != registered[0].medium:
            return registered[0]
        return (curated or registered)[0]


def _split(url: str) -> tuple[str, str]:
    parts = urlsplit(url if "//" in url else "//" + url)
    return (parts.hostname or "").lower().removeprefix("www."), parts.path or "/"


def _on(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _registry_sites(csv: Path) -> list[Site]:
    sites = []
    for outlet in read_registry(csv):
        medium = "partner" if outlet.is_partner else outlet.medium.value
        for address in outlet.domains:
            host, path = _split(address.rstrip("/"))
            sites.append(Site(host, "" if path == "/" else path, medium, outlet.name, True))
    return sites


@registry.misc("retombees.media.v1")
def load_media(path: str | None = None, registry_csv: str | None = None) -> MediaData:
    """Load the known sites, platforms and text cues (default: the bundled data and registry).

    :raises ValueError: for an unknown medium in the data.
    """
    folder = Path(path) if path else MEDIA_DIR
    domains = json.loads((folder / "domains.json").read_text(encoding="utf-8"))
    cues = json.loads((folder / "cues.json").read_text(encoding="utf-8"))
    sites = [
        Site(p["domain"].lower(), p.get("path", ""), p["medium"], p["name"], False)
        for p in domains["patterns"]
    ]
    sites += _registry_sites(Path(registry_csv) if registry_csv else REGISTRY_CSV)
    bad = sorted({site.medium for site in sites} - set(MEDIA))
    if bad:
        raise ValueError(f"unknown medium {', '.join(bad)} in the media data; known: {MEDIA}")
    return MediaData(
        sites=sites,
        video_platforms=tuple(domains.get("video_platforms", [])),
        audio_platforms=tuple(domains.get("audio_platforms", [])),
        path_hints=domains.get("path_hints", {}),
        cues={kind: cues[kind] for kind in ("tv", "radio", "press", "broadcast") if kind in cues},
    )


class MediumClassifier:
    """Decide a clip's medium from the most trusted evidence available, and say why."""

    def __init__(self, nlp: Language, name: str, min_cues: int, media: MediaData):
        self.name = name
        self.min_cues = min_cues
        self.media = media
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for medium, cues in media.cues.items():
            self.matcher.add(medium, [nlp.make_doc(cue.lower()) for cue in cues])

    def cues(self, doc: Doc) -> dict[str, set[str]]:
        """Return the distinct cues of each medium found in the text."""
        found: dict[str, set[str]] = {medium: set() for medium in self.media.cues}
        for match_id, start, end in self.matcher(doc):
            found[doc.vocab.strings[match_id]].add(doc[start:end].text.lower())
        return found

    def decide(self, doc: Doc) -> tuple[str, str]:
        """Return (medium, reason) for one clip."""
        ctx = context(doc)
        outlet = ctx.get("outlet_name") or "the outlet"
        if ctx.get("is_partner"):
            return "partner", f"{outlet} is a partner in the registry"
        registered = ctx.get("outlet_medium")
        if registered in ("press", "tv", "radio", "partner"):
            return registered, f"{outlet} is registered as {registered}"
        # Outlets created by a crawl are "web" until someone reviews them: only a reviewed
        # "web" settles the question.
        if registered == "web" and ctx.get("outlet_needs_review") is False:
            return "web", f"{outlet} is registered as web"
        kind = ctx.get("source_kind")
        if kind in SOURCE_KINDS:
            return SOURCE_KINDS[kind], f"collected from a {kind} feed"
        found = self.cues(doc)
        host, path = _split(ctx.get("url") or "")
        if host:
            decided = self._by_address(host, path, found)
            if decided:
                return decided
        hints = ctx.get("medium_hints") or {}
        if hints.get("video"):
            return "tv", "the page or feed entry carries a video"
        if hints.get("audio"):
            return "radio", "the page or feed entry carries audio"
        decided = self._by_path(path) if host else None
        decided = decided or self._by_cues(found)
        if decided:
            return decided
        if registered == "web":
            return "web", f"{outlet} is registered as web"
        return "web", "no print or broadcast evidence"

    def _by_path(self, path: str) -> tuple[str, str] | None:
        segments = {segment.lower() for segment in path.split("/") if segment}
        for medium, names in self.media.path_hints.items():
            hit = segments & set(names)
            if hit:
                return medium, f"the address names a {medium} page (/{min(hit)}/)"
        return None

    def _by_cues(self, found: dict[str, set[str]]) -> tuple[str, str] | None:
        # Generic broadcast words ("émission", "épisode") back a medium with a cue of its own.
        generic = found.get("broadcast", set())
        support = {
            medium: cues | (generic if medium in ("tv", "radio") and cues else set())
            for medium, cues in found.items()
            if medium != "broadcast"
        }
        ranked = sorted(support, key=lambda medium: len(support[medium]), reverse=True)
        if not ranked:
            return None
        best = ranked[0]
        runner_up = len(support[ranked[1]]) if len(ranked) > 1 else 0
        if len(support[best]) < self.min_cues or len(support[best]) <= runner_up:
            return None
        kind = "print" if best == "press" else "broadcast"
        return best, f"{kind} cues in the text: {', '.join(sorted(support[best]))}"

    def _by_address(
        self, host: str, path: str, found: dict[str, set[str]]
    ) -> tuple[str, str] | None:
        site = self.media.site_for(host, path)
        if site:
            where = "in the outlet registry" if site.registered else "a known site"
            return site.medium, f"{host} is {site.name} ({where}, {site.medium})"
        if _on(host, self.media.audio_platforms):
            return "radio", f"{host} is an audio platform"
        if _on(host, self.media.video_platforms):
            # A video platform carries TV programmes and filmed radio shows alike.
            radio, tv = found.get("radio", set()), found.get("tv", set())
            if len(radio) > len(tv):
                return (
                    "radio",
                    f"{host} is a video platform; radio cues: {', '.join(sorted(radio))}",
                )
            return "tv", f"{host} is a video platform"
        return None

    def __call__(self, doc: Doc) -> Doc:
        doc._.retombees_medium, doc._.retombees_medium_reason = self.decide(doc)
        return doc


@Language.factory(
    "retombees_medium",
    default_config={"min_cues": 2, "media": {"@misc": "retombees.media.v1", "path": None}},
)
def make_medium(nlp: Language, name: str, min_cues: int, media: MediaData) -> MediumClassifier:
    return MediumClassifier(nlp, name, min_cues, media)
