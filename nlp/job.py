"""The batch job: the only path from the NLP into the database.

``process_pending`` claims pending clips in batches, analyses them and moves them to ``new``
(awaiting review). A clip is analysed once; a crashed worker's claims are taken over later.
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass

from spacy.language import Language
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import selectinload

from models import Campaign, Coverage, CoverageStatus, Medium, Outlet, Tone, utcnow
from models.campaign import DEFAULT_TERRITORY
from models.coverage import CoverageCampaign, claim_pending, claim_stale, release_claims
from models.review import REVIEW_REASON
from models.valuation import ValuationRules, apply_valuation

from .pipeline import ClipAnalysis, ClipInput, analyze

log = logging.getLogger(__name__)


@dataclass
class ProcessStats:
    processed: int = 0
    relevant: int = 0
    batches: int = 0

    def as_json(self) -> dict:
        return self.__dict__.copy()

    def add_batch(self, processed: int, relevant: int) -> None:
        self.processed += processed
        self.relevant += relevant
        self.batches += 1
        log.info("analysed %d clips (%d relevant)", processed, relevant)


def clip_context(coverage: Coverage) -> dict:
    """What the pipeline needs to know of a clip besides its text."""
    outlet = coverage.outlet
    campaigns = coverage.campaigns
    return {
        "outlet_name": outlet.name if outlet else None,
        "outlet_medium": outlet.medium.value if outlet else None,
        "is_partner": bool(outlet and (outlet.is_partner or outlet.medium == Medium.PARTNER)),
        "source_kind": (coverage.medium_hints or {}).get("source_kind"),
        "medium_hints": coverage.medium_hints or {},
        "url": coverage.url,
        "outlet_needs_review": bool(outlet and outlet.needs_review),
        "territory": campaigns[0].territory if campaigns else DEFAULT_TERRITORY,
        "key_messages": [
            {"label": m.label, "phrasings": list(m.phrasings)}
            for campaign in campaigns
            for m in campaign.key_messages
        ],
    }


def _load(session, ids: list[int], token: str) -> list[Coverage]:
    return list(
        session.scalars(
            select(Coverage)
            .where(Coverage.id.in_(ids), Coverage.claim_token == token)
            .options(
                selectinload(Coverage.outlet).selectinload(Outlet.rate_cards),
                selectinload(Coverage.campaign_links)
                .selectinload(CoverageCampaign.campaign)
                .selectinload(Campaign.key_messages),
            )
        )
    )


def _write(clip: Coverage, result: ClipAnalysis, now) -> None:
    clip.relevance = result.relevance
    clip.relevant = result.relevant
    clip.relevance_evidence = result.evidence
    clip.medium = Medium(result.medium)
    clip.medium_reason = result.medium_reason
    clip.key_messages = result.key_messages
    clip.quotes = result.quotes
    clip.tone = Tone(result.tone) if result.tone else None
    clip.tone_score = result.tone_score
    clip.tone_reason = result.tone_reason
    clip.summary_generated = result.summary
    clip.processed_at = now
    clip.claim_token = None


def process_batch(
    sessions, nlp: Language, batch_size: int, token: str, rules: ValuationRules | None = None
) -> tuple[int, int]:
    """Claim and analyse one batch; return (clips processed, clips found relevant).

    Pending clips come first and move to ``new``; then clips whose campaign changed its
    messages or territory are analysed again, their review status kept.
    """
    with sessions.begin() as session:
        ids = claim_pending(session, batch_size, token)
        again = [] if ids else claim_stale(session, batch_size, token)
    if not ids and not again:
        return 0, 0
    with sessions.begin() as session:
        clips = _load(session, ids or again, token)
        inputs = [
            ClipInput(c.id, c.text or c.summary or "", c.title or "", clip_context(c))
            for c in clips
        ]
        by_id = {c.id: c for c in clips}
        relevant = 0
        now = utcnow()
        for result in analyze(nlp, inputs, batch_size=batch_size):
            clip = by_id[result.key]
            # A medium a person set in the review stays: only a fresh clip takes the model's.
            chosen = (clip.medium_reason or "").startswith(REVIEW_REASON)
            if again and clip.medium is not None and (chosen or clip.status != CoverageStatus.NEW):
                result.medium, result.medium_reason = clip.medium.value, clip.medium_reason
            _write(clip, result, now)
            apply_valuation(session, clip, rules)  # the medium just chosen picks the formula
            if not again:
                clip.status = CoverageStatus.NEW
            clip.stale_analysis = False
            relevant += result.relevant
    return len(clips), relevant


def process_pending(
    sessions,
    nlp: Language,
    batch_size: int = 32,
    max_batches: int | None = None,
    rules: ValuationRules | None = None,
) -> ProcessStats:
    """Analyse (and value) pending clips batch after batch until none is left."""
    token = uuid.uuid4().hex
    stats = ProcessStats()
    while max_batches is None or stats.batches < max_batches:
        processed, relevant = process_batch(sessions, nlp, batch_size, token, rules)
        if not processed:
            break
        stats.add_batch(processed, relevant)
    return stats


def watch_pending(
    sessions,
    nlp: Language,
    stop: threading.Event,
    batch_size: int = 32,
    interval: float = 60.0,
    rules: ValuationRules | None = None,
) -> ProcessStats:
    """Analyse clips as they arrive until ``stop`` is set (``retombees process --watch``).

    One batch at a time, so that a stop request waits for one batch at most; when nothing is
    pending, wait ``interval`` seconds. A database that cannot be reached (restarted, network
    cut) is logged and tried again after the interval: the worker recovers by itself, and
    gives back the clips of a batch cut short (their analysis was not written) so that they
    are analysed, once, by whichever worker claims them next.
    """
    token = uuid.uuid4().hex
    stats = ProcessStats()
    cut_short = False  # a batch failed: its claims are given back once the database answers
    while not stop.is_set():
        try:
            if cut_short:
                with sessions.begin() as session:
                    release_claims(session, token)
                cut_short = False
            processed, relevant = process_batch(sessions, nlp, batch_size, token, rules)
        except (OperationalError, InterfaceError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            log.warning("database unavailable (%s); trying again in %.0f s", reason, interval)
            cut_short = True
            stop.wait(interval)
            continue
        if not processed:
            stop.wait(interval)
            continue
        stats.add_batch(processed, relevant)
    return stats
