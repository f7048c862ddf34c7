"""``retombees_medium``: press, TV, radio, web or partner relay, with the reason kept.

Evidence in order of trust: the outlet registry (partner flag, medium), the source kind
(podcast, video feed), the page and feed metadata (audio/video objects, ``og:video``), then
broadcast cues in the text ("reportage diffusé", "au micro de"…). Default: web.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .context import context

for _name in ("retombees_medium", "retombees_medium_reason"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

TEXT_CUES = {
    "tv": [
        "reportage diffusé",
        "journal télévisé",
        "JT",
        "téléspectateurs",
        "à l'écran",
        "sur le plateau",
        "édition du 19/20",
        "12/13",
        "19/20",
        "en images",
        "caméra",
    ],
    "radio": [
        "au micro de",
        "à l'antenne",
        "auditeurs",
        "podcast",
        "émission de radio",
        "sur les ondes",
        "chronique radio",
        "en direct sur",
        "à réécouter",
        "réécouter",
    ],
}
SOURCE_KINDS = {"podcast": "radio", "video": "tv"}


class MediumClassifier:
    def __init__(self, nlp: Language, name: str, min_cues: int):
        self.name = name
        self.min_cues = min_cues
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for medium, cues in TEXT_CUES.items():
            self.matcher.add(medium, [nlp.make_doc(c.lower()) for c in cues])

    def decide(self, doc: Doc) -> tuple[str, str]:
        ctx = context(doc)
        outlet = ctx.get("outlet_name") or "the outlet"
        if ctx.get("is_partner"):
            return "partner", f"{outlet} is a partner in the registry"
        registered = ctx.get("outlet_medium")
        if registered in ("press", "tv", "radio", "partner"):
            return registered, f"{outlet} is registered as {registered}"
        kind = ctx.get("source_kind")
        if kind in SOURCE_KINDS:
            return SOURCE_KINDS[kind], f"collected from a {kind} feed"
        hints = ctx.get("medium_hints") or {}
        if hints.get("video"):
            return "tv", "the page or feed entry carries a video"
        if hints.get("audio"):
            return "radio", "the page or feed entry carries audio"
        votes = {"tv": set(), "radio": set()}
        for match_id, start, end in self.matcher(doc):
            votes[doc.vocab.strings[match_id]].add(doc[start:end].text.lower())
        best = max(votes, key=lambda m: len(votes[m]))
        if len(votes[best]) >= self.min_cues:
            cues = ", ".join(sorted(votes[best]))
            return best, f"broadcast cues in the text: {cues}"
        if registered == "web":
            return "web", f"{outlet} is registered as web"
        return "web", "no print or broadcast evidence"

    def __call__(self, doc: Doc) -> Doc:
        doc._.retombees_medium, doc._.retombees_medium_reason = self.decide(doc)
        return doc


@Language.factory("retombees_medium", default_config={"min_cues": 2})
def make_medium(nlp: Language, name: str, min_cues: int):
    return MediumClassifier(nlp, name, min_cues)
