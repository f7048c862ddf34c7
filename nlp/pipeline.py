"""Loading the analysis pipeline from ``config.cfg`` and running it on clips."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from spacy.language import Language
from spacy.util import load_config, load_model_from_config

from . import components  # noqa: F401  (registers the factories)

CONFIG = Path(__file__).with_name("config.cfg")
# Components the triage step runs (the statistical ones come in later steps).
TRIAGE = ("retombees_territory", "retombees_medium")


def load_pipeline(config_path: Path = CONFIG) -> Language:
    """Build the pipeline declared in ``config_path``."""
    return load_model_from_config(load_config(config_path), auto_fill=True)


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


def analyze(
    nlp: Language, clips: Iterable[ClipInput], batch_size: int = 32
) -> Iterator[ClipAnalysis]:
    """Run the triage components over clips, in batches."""
    clips = list(clips)
    docs = []
    for clip in clips:
        doc = nlp.make_doc("\n\n".join(filter(None, (clip.title, clip.text))))
        doc._.retombees_context = clip.context
        docs.append(doc)
    with nlp.select_pipes(enable=list(TRIAGE)):
        for clip, doc in zip(clips, nlp.pipe(docs, batch_size=batch_size), strict=True):
            yield ClipAnalysis(
                key=clip.key,
                relevant=bool(doc._.retombees_relevant),
                relevance=float(doc._.retombees_relevance),
                evidence=doc._.retombees_territory_evidence,
                medium=doc._.retombees_medium,
                medium_reason=doc._.retombees_medium_reason,
            )
