"""What the JSON API says about clips, campaigns and outlets (the shapes of webapp/openapi.py).

Dates are ISO 8601 strings (moments in UTC with their offset), money is a number of euros.
"""

from __future__ import annotations

from datetime import date, datetime

from models import Campaign, Coverage, Outlet
from models.history import CoverageEvent


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def _value(enum_value) -> str | None:
    return enum_value.value if enum_value is not None else None


def _labels(messages: list | None) -> list[str]:
    """The key messages a clip carries, each label once, in the order found."""
    found = (m.get("label") for m in messages or [] if isinstance(m, dict))
    return list(dict.fromkeys(label for label in found if label))


def coverage_item(clip: Coverage) -> dict:
    """A clip as listed: what it is, where, when, its review status and value."""
    ave = clip.ave_override_eur if clip.ave_override_eur is not None else clip.ave_eur
    return {
        "id": clip.id,
        "url": clip.url,
        "title": clip.title,
        "outlet": {"id": clip.outlet.id, "name": clip.outlet.name} if clip.outlet else None,
        "medium": _value(clip.medium),
        "published_at": iso(clip.published_at),
        "status": clip.status.value,
        "relevant": clip.relevant,
        "campaigns": [link.campaign.slug for link in clip.campaign_links],
        "reach": clip.reach,
        "ave_eur": ave,
        "tone": _value(clip.tone),
        "key_messages": _labels(clip.key_messages),
        "story_id": clip.story_id,
    }


def _event(event: CoverageEvent) -> dict:
    return {
        "at": iso(event.at),
        "action": event.action,
        "user": event.user.username if event.user else None,
        "details": event.details or {},
    }


def coverage_detail(clip: Coverage, events: list[CoverageEvent]) -> dict:
    """A clip in full: its text, quotes, how its reach and AVE were computed, its history."""
    override = None
    if clip.ave_override_eur is not None:
        override = {"eur": clip.ave_override_eur, "reason": clip.ave_override_reason or ""}
    return {
        **coverage_item(clip),
        "summary": clip.summary,
        "text": clip.text,
        "author": clip.author,
        "language": clip.language,
        "programme": clip.programme,
        "origin": clip.origin.value,
        "duration_s": clip.duration_s,
        "page_fraction": clip.page_fraction,
        "surface_cm2": clip.surface_cm2,
        "relevance": clip.relevance,
        "key_message_sentences": [
            {"label": m.get("label"), "sentence": m.get("sentence") or ""}
            for m in clip.key_messages or []
            if isinstance(m, dict) and m.get("label")
        ],
        "quotes": [
            {"text": q.get("text") or "", "speaker": q.get("speaker"), "role": q.get("role")}
            for q in clip.quotes or []
            if isinstance(q, dict)
        ],
        "reach_breakdown": clip.reach_breakdown or {},
        "ave_computed_eur": clip.ave_eur,
        "ave_override": override,
        "ave_breakdown": clip.ave_breakdown or {},
        "reviewed_at": iso(clip.reviewed_at),
        "review_reason": clip.review_reason,
        "duplicate_of_id": clip.duplicate_of_id,
        "created_at": iso(clip.created_at),
        "updated_at": iso(clip.updated_at),
        "history": [_event(event) for event in events],
    }


def _campaign_ref(campaign: Campaign | None) -> dict | None:
    if campaign is None:
        return None
    return {"id": campaign.id, "slug": campaign.slug, "name": campaign.name}


def campaign_item(campaign: Campaign) -> dict:
    """A campaign as listed."""
    return {
        "id": campaign.id,
        "slug": campaign.slug,
        "name": campaign.name,
        "active": campaign.active,
        "start_date": iso(campaign.start_date),
        "end_date": iso(campaign.end_date),
        "parent": _campaign_ref(campaign.parent),
    }


def campaign_detail(campaign: Campaign) -> dict:
    """A campaign with its query, key messages, umbrella and sub-campaigns."""
    return {
        **campaign_item(campaign),
        "description": campaign.description,
        "query": campaign.query,
        "territory": campaign.territory,
        "children": [_campaign_ref(child) for child in campaign.children],
        "key_messages": [
            {"id": m.id, "label": m.label, "phrasings": list(m.phrasings or [])}
            for m in campaign.key_messages
        ],
    }


def outlet_item(outlet: Outlet) -> dict:
    """An outlet of the registry with its audience and rate cards, estimated figures flagged."""
    return {
        "id": outlet.id,
        "name": outlet.name,
        "medium": outlet.medium.value,
        "scope": _value(outlet.scope),
        "is_partner": outlet.is_partner,
        "domains": list(outlet.domains or []),
        "audience": outlet.audience,
        "audience_unit": outlet.audience_unit,
        "audience_year": outlet.audience_year,
        "audience_source": outlet.audience_source,
        "audience_estimated": outlet.audience_estimated,
        "readers_per_copy": outlet.readers_per_copy,
        "confidence": outlet.confidence,
        "needs_review": outlet.needs_review,
        "rate_cards": [
            {
                "kind": card.kind.value,
                "price_eur": card.price_eur,
                "unit_note": card.unit_note,
                "valid_from": iso(card.valid_from),
                "valid_to": iso(card.valid_to),
                "year": card.year,
                "source": card.source,
                "estimated": card.estimated,
            }
            for card in outlet.rate_cards
        ],
    }
