"""Loading the analysis pipeline from ``config.cfg`` and running it on clips, step by step.

Cheap first: the *triage* step (territory relevance, medium) needs only tokens and runs on every
clip; the *content* step (key messages, quotes, tone, summary) needs the statistical pipes and
runs only on clips found relevant. Each step enables only the pipes it needs.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import load_config, load_model_from_config

from . import components  # noqa: F401  (registers the factories)

CONFIG = Path(__file__).with_name("config.cfg")
TRIAGE = ("retombees_territory", "retombees_medium")
# Content components, with the module declaring the statistical pipes each needs (REQUIRES).
CONTENT = {
    "retombees_key_messages": "nlp.components.key_messages",
    "retombees_quotes": "nlp.components.quotes",
    "retombees_tone": "nlp.components.tone",
    "retombees_summary": "nlp.components.summary",
}


def load_pipeline(config_path: Path = CONFIG) -> Language:
    """Build the pipeline declared in ``config_path``."""
    return load_model_from_config(load_config(config_path), auto_fill=True)


def content_pipes(nlp: Language) -> list[str]:
    """The pipes the content step runs: its components and what they need, in pipeline order."""
    wanted: set[str] = set()
    for name, module in CONTENT.items():
        if name in nlp.pipe_names:
            wanted.add(name)
            wanted.update(getattr(importlib.import_module(module), "REQUIRES", ()))
    return [name for name in nlp.pipe_names if name in wanted]


@dataclass
class ClipInput:
    """What the pipeline is told about one clip."""

    key: object
    text: str
    title: str = ""
    context: dict = field(default_factory=dict)


@dataclass
class ClipAnalysis:
    key: object
    relevant: bool
    relevance: float
    evidence: list
    medium: str
    medium_reason: str
    key_messages: list = field(default_factory=list)
    quotes: list = field(default_factory=list)
    tone: str | None = None
    tone_score: float | None = None
    tone_reason: str | None = None
    summary: str | None = None

    def as_json(self) -> dict:
        """The ``retombees analyze`` output of this clip."""
        return {
            "id": self.key,
            "relevant": self.relevant,
            "relevance": self.relevance,
            "medium": self.medium,
            "key_messages": [
                {"label": m["label"], "sentence": m["sentence"]} for m in self.key_messages
            ],
            "quotes": [{"text": q["text"], "speaker": q.get("speaker")} for q in self.quotes],
            "tone": self.tone or "neutral",
        }


def _get(doc: Doc, name: str, default=None):
    return getattr(doc._, name) if Doc.has_extension(name) else default


def analyze(
    nlp: Language, clips: Iterable[ClipInput], batch_size: int = 32, content_for_all=False
) -> Iterator[ClipAnalysis]:
    """Run the triage step on every clip and the content step on the relevant ones."""
    clips = list(clips)
    docs = []
    for clip in clips:
        doc = nlp.make_doc("\n\n".join(filter(None, (clip.title, clip.text))))
        doc._.retombees_context = {"title": clip.title, **clip.context}
        docs.append(doc)
    with nlp.select_pipes(enable=[p for p in TRIAGE if p in nlp.pipe_names]):
        docs = list(nlp.pipe(docs, batch_size=batch_size))
    content = content_pipes(nlp)
    chosen = [d for d in docs if content_for_all or d._.retombees_relevant]
    for doc in chosen:  # the tone weighs the sentences naming the territory found by triage
        found = [e["term"] for e in doc._.retombees_territory_evidence if e["weight"] > 0]
        doc._.retombees_context = {
            **doc._.retombees_context,
            "territory_terms": found,
            "key_terms": found,  # the summary prefers sentences naming the territory
        }
    if content and chosen:
        with nlp.select_pipes(enable=content):
            list(nlp.pipe(chosen, batch_size=batch_size))
    for clip, doc in zip(clips, docs, strict=True):
        yield ClipAnalysis(
            key=clip.key,
            relevant=bool(doc._.retombees_relevant),
            relevance=float(doc._.retombees_relevance),
            evidence=doc._.retombees_territory_evidence,
            medium=doc._.retombees_medium,
            medium_reason=doc._.retombees_medium_reason,
            key_messages=_get(doc, "retombees_key_messages") or [],
            quotes=_get(doc, "retombees_quotes") or [],
            tone=_get(doc, "retombees_tone"),
            tone_score=_get(doc, "retombees_tone_score"),
            tone_reason=_get(doc, "retombees_tone_reason"),
            summary=_get(doc, "retombees_summary"),
        )
