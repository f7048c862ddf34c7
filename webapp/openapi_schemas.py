"""The schemas of the JSON API's answers (components of webapp/openapi.py).

They describe what webapp/api_json.py writes; the tests check real answers against them.
"""

from __future__ import annotations

from datetime import date

from models import CoverageOrigin, CoverageStatus, Medium, RateKind, Scope, Tone

MEDIA = [m.value for m in Medium]
REF = "#/components/schemas/"
MAX_ID = 2**31 - 1  # the largest key of a PostgreSQL integer column (SQLite stops at 2**63 - 1)
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2100, 12, 31)  # publication days a filter may name


def ref(name: str) -> dict:
    return {"$ref": REF + name}


def or_null(kind: str, **extra) -> dict:
    """A value of ``kind`` or null."""
    return {"type": [kind, "null"], **extra}


def enum_of(values, nullable: bool = False) -> dict:
    values = [getattr(v, "value", v) for v in values]
    if nullable:
        return {"type": ["string", "null"], "enum": [*values, None]}
    return {"type": "string", "enum": values}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        **extra,
    }


INTEGER, NUMBER, STRING, BOOLEAN = (
    {"type": "integer"},
    {"type": "number"},
    {"type": "string"},
    {"type": "boolean"},
)
MOMENT = or_null("string", format="date-time")
DAY = or_null("string", format="date")
FIGURES = ref("Figures")

SCHEMAS = {
    "Error": obj({"error": STRING, "message": STRING}),
    "OutletRef": obj({"id": INTEGER, "name": STRING}),
    "CampaignRef": obj({"id": INTEGER, "slug": STRING, "name": STRING}),
    "CoverageItem": obj(
        {
            "id": INTEGER,
            "url": or_null("string", description="Canonical URL; null for print or broadcast."),
            "title": STRING,
            "outlet": {"oneOf": [ref("OutletRef"), {"type": "null"}]},
            "medium": enum_of(Medium, nullable=True),
            "published_at": MOMENT,
            "status": enum_of(CoverageStatus),
            "relevant": or_null("boolean"),
            "campaigns": {"type": "array", "items": STRING, "description": "Campaign slugs."},
            "reach": or_null("integer", description="Potential contacts (not deduplicated)."),
            "ave_eur": or_null(
                "number", description="Advertising value equivalence in euros; an override wins."
            ),
            "tone": enum_of(Tone, nullable=True),
            "key_messages": {"type": "array", "items": STRING, "description": "Labels."},
            "story_id": or_null("integer", description="Same story taken up by other outlets."),
        }
    ),
    "CoverageDetail": {
        "allOf": [
            ref("CoverageItem"),
            obj(
                {
                    "summary": or_null("string"),
                    "text": or_null("string"),
                    "author": or_null("string"),
                    "language": or_null("string"),
                    "programme": or_null("string"),
                    "origin": enum_of(CoverageOrigin),
                    "duration_s": or_null("integer"),
                    "page_fraction": or_null("number"),
                    "surface_cm2": or_null("number"),
                    "relevance": or_null("number"),
                    "key_message_sentences": {
                        "type": "array",
                        "items": obj({"label": STRING, "sentence": STRING}),
                    },
                    "quotes": {
                        "type": "array",
                        "items": obj(
                            {
                                "text": STRING,
                                "speaker": or_null("string"),
                                "role": or_null("string"),
                            }
                        ),
                    },
                    "reach_breakdown": {"type": "object", "description": "How reach was computed."},
                    "ave_computed_eur": or_null("number"),
                    "ave_override": {
                        "oneOf": [
                            obj({"eur": NUMBER, "reason": STRING}),
                            {"type": "null"},
                        ]
                    },
                    "ave_breakdown": {"type": "object", "description": "How the AVE was computed."},
                    "reviewed_at": MOMENT,
                    "review_reason": or_null("string"),
                    "duplicate_of_id": or_null("integer"),
                    "created_at": {"type": "string", "format": "date-time"},
                    "updated_at": {"type": "string", "format": "date-time"},
                    "history": {
                        "type": "array",
                        "description": "Changes made by people, newest first.",
                        "items": obj(
                            {
                                "at": {"type": "string", "format": "date-time"},
                                "action": STRING,
                                "user": or_null("string"),
                                "details": {"type": "object"},
                            }
                        ),
                    },
                }
            ),
        ]
    },
    "CoverageList": obj(
        {
            "items": {"type": "array", "items": ref("CoverageItem")},
            "next": or_null("string", format="uri", description="The following page, if any."),
        }
    ),
    "Decision": obj({"decision": enum_of(["confirm", "reject"])}),
    "CampaignItem": obj(
        {
            "id": INTEGER,
            "slug": STRING,
            "name": STRING,
            "active": BOOLEAN,
            "start_date": DAY,
            "end_date": DAY,
            "parent": {"oneOf": [ref("CampaignRef"), {"type": "null"}]},
        }
    ),
    "CampaignDetail": {
        "allOf": [
            ref("CampaignItem"),
            obj(
                {
                    "description": or_null("string"),
                    "query": {"type": "string", "description": "Monitoring query."},
                    "territory": STRING,
                    "children": {"type": "array", "items": ref("CampaignRef")},
                    "key_messages": {
                        "type": "array",
                        "items": obj(
                            {
                                "id": INTEGER,
                                "label": STRING,
                                "phrasings": {"type": "array", "items": STRING},
                            }
                        ),
                    },
                }
            ),
        ]
    },
    "CampaignList": obj({"items": {"type": "array", "items": ref("CampaignItem")}}),
    "RateCard": obj(
        {
            "kind": enum_of(RateKind),
            "price_eur": NUMBER,
            "unit_note": or_null("string"),
            "valid_from": DAY,
            "valid_to": DAY,
            "year": or_null("integer"),
            "source": or_null("string"),
            "estimated": BOOLEAN,
        }
    ),
    "Outlet": obj(
        {
            "id": INTEGER,
            "name": STRING,
            "medium": enum_of(Medium),
            "scope": enum_of(Scope, nullable=True),
            "is_partner": BOOLEAN,
            "domains": {"type": "array", "items": STRING},
            "audience": or_null("integer"),
            "audience_unit": or_null("string"),
            "audience_year": or_null("integer"),
            "audience_source": or_null("string"),
            "audience_estimated": BOOLEAN,
            "readers_per_copy": or_null("number"),
            "confidence": or_null(
                "string",
                description='As stored, e.g. "audience=FOUND(2020);rate=ESTIMATED".',
            ),
            "needs_review": BOOLEAN,
            "rate_cards": {"type": "array", "items": ref("RateCard")},
        }
    ),
    "OutletList": obj({"items": {"type": "array", "items": ref("Outlet")}}),
    "Figures": obj({"total": INTEGER, "reach": INTEGER, "ave_eur": NUMBER}),
    "Report": obj(
        {
            "total": INTEGER,
            "by_medium": obj({m: INTEGER for m in MEDIA}),
            "reach": INTEGER,
            "ave_eur": NUMBER,
            "by_month": {
                "type": "object",
                "description": 'Keys "YYYY-MM" (Paris time) or "undated".',
                "additionalProperties": FIGURES,
            },
            "by_scope": {"type": "object", "additionalProperties": FIGURES},
            "message_penetration": obj(
                {
                    "total": INTEGER,
                    "clips_with_message": INTEGER,
                    "any": or_null("number"),
                    "by_message": {
                        "type": "object",
                        "additionalProperties": obj({"clips": INTEGER, "share": or_null("number")}),
                    },
                }
            ),
            "tone_index": or_null("number"),
            "filters": obj(
                {
                    "campaign": or_null("string"),
                    "from": DAY,
                    "to": DAY,
                    "status": enum_of(["confirmed", "new", "rejected", "all"]),
                }
            ),
            "reach_note": STRING,
            "ave_note": STRING,
            "value_by_medium": obj({m: FIGURES for m in MEDIA}),
            "size": obj(
                {
                    "press_pages": NUMBER,
                    "press_cm2": NUMBER,
                    "tv_seconds": INTEGER,
                    "radio_seconds": INTEGER,
                }
            ),
            "valued": obj({"reach": INTEGER, "ave": INTEGER, "overridden": INTEGER}),
            "estimated_share": obj({"reach": or_null("number"), "ave": or_null("number")}),
            "tone": obj({t: INTEGER for t in ("positive", "neutral", "negative", "unknown")}),
            "prominence": obj(
                {
                    "title": INTEGER,
                    "lead": INTEGER,
                    "body": INTEGER,
                    "unknown": INTEGER,
                    "score": or_null("number"),
                    "weights": {"type": "object"},
                }
            ),
            "share_of_voice": or_null("object"),
            "rules": {"type": "object", "description": "The valuation rules in force."},
            "warnings": {"type": "array", "items": STRING},
        }
    ),
}
