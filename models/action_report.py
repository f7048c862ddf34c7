"""What press actions produced: people reached, clips by medium, reach, AVE, AMEC metrics,
cost per clip, and the yield of each journalist and outlet.

A clip counts for a set of actions when a person confirmed its attribution to one of them and
it is confirmed coverage; a clip attributed to several actions of the set counts once. Reach
and AVE follow the campaign report's definitions (``models.reports``): the sum of each clip's
audience, and each clip's AVE (a person's override first). Message penetration and tone come
from the same functions as the campaign report, over these clips.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from .base import CoverageStatus
from .contact import Contact, ContactOutlet
from .coverage import Coverage
from .metrics import Selection, message_penetration, tone_index
from .press_action import AttributionState, CoverageAction, PressAction
from .reports import Tally


@dataclass(frozen=True)
class ClipSelection(Selection):
    """A selection of given clips (still of the given statuses)."""

    clip_ids: tuple[int, ...] = ()

    def where(self, session: Session) -> list:
        return [*super().where(session), Coverage.id.in_(self.clip_ids)]


def _ave(clip: Coverage) -> float:
    value = clip.ave_override_eur if clip.ave_override_eur is not None else clip.ave_eur
    return float(value or 0)


def _money(value: float) -> float:
    return round(value, 2)


def _yield(clips: list[Coverage]) -> dict:
    return {
        "clips": len(clips),
        "reach": sum(c.reach or 0 for c in clips),
        "ave_eur": _money(sum(_ave(c) for c in clips)),
    }


def action_report(session: Session, action_ids: list[int]) -> dict:
    """The figures of one action or a set of actions.

    :raises ValueError: when an action does not exist.
    """
    actions = list(
        session.scalars(
            select(PressAction)
            .where(PressAction.id.in_(action_ids))
            .order_by(PressAction.day, PressAction.id)
            .options(selectinload(PressAction.people))
        )
    )
    missing = set(action_ids) - {a.id for a in actions}
    if missing:
        raise ValueError(f"No press action {', '.join(map(str, sorted(missing)))}.")
    ids = [a.id for a in actions]

    confirmed = list(
        session.scalars(
            select(CoverageAction)
            .join(Coverage, Coverage.id == CoverageAction.coverage_id)
            .where(
                CoverageAction.action_id.in_(ids),
                CoverageAction.state == AttributionState.CONFIRMED,
                Coverage.status == CoverageStatus.CONFIRMED,
            )
            .options(selectinload(CoverageAction.coverage).selectinload(Coverage.outlet))
        )
    )
    clips = {a.coverage_id: a.coverage for a in confirmed}
    reprises = {a.coverage_id for a in confirmed if a.reprise}
    suggested = session.scalar(
        select(CoverageAction.coverage_id)
        .where(
            CoverageAction.action_id.in_(ids),
            CoverageAction.state == AttributionState.SUGGESTED,
        )
        .limit(1)
    )

    tally = Tally()
    for clip in clips.values():
        tally.add(clip.medium, 1)
    selection = ClipSelection(clip_ids=tuple(clips))
    tone = tone_index(session, selection)
    cost = [a.cost_eur for a in actions if a.cost_eur is not None]
    total_cost = _money(sum(cost)) if cost else None

    return {
        "actions": [
            {
                "id": a.id,
                "kind": a.kind.value,
                "title": a.title,
                "day": a.day.isoformat(),
                "cost_eur": a.cost_eur,
            }
            for a in actions
        ],
        "people": {
            role: len({p.contact_id for a in actions for p in a.people if getattr(p, flag)})
            for role, flag in (
                ("recipients", "recipient"),
                ("invitees", "invited"),
                ("attendees", "attended"),
            )
        },
        **tally.as_json(),
        **{k: v for k, v in _yield(list(clips.values())).items() if k != "clips"},
        "reprises": len(reprises),
        "message_penetration": message_penetration(session, selection),
        "tone_index": tone.pop("index"),
        "tone": tone,
        "cost_eur": total_cost,
        "cost_per_clip": _money(total_cost / len(clips)) if total_cost and clips else None,
        "by_journalist": _by_journalist(session, actions, confirmed),
        "by_outlet": _by_outlet(list(clips.values())),
        "has_suggestions": suggested is not None,
    }


def _by_journalist(session: Session, actions, confirmed: list[CoverageAction]) -> list[dict]:
    """Each contact the actions reached, with the confirmed clips credited to them."""
    reached: dict[int, dict] = {}
    for action in actions:
        for person in action.people:
            entry = reached.setdefault(
                person.contact_id, {"recipient": False, "invited": False, "attended": False}
            )
            for flag in entry:
                entry[flag] = entry[flag] or getattr(person, flag)
    contacts = {
        c.id: c
        for c in session.scalars(
            select(Contact)
            .where(Contact.id.in_(reached))
            .options(selectinload(Contact.outlet_links).selectinload(ContactOutlet.outlet))
        )
    }
    theirs: dict[int, dict[int, Coverage]] = {cid: {} for cid in reached}
    for attribution in confirmed:
        for cid in credited(attribution.reasons or []):
            if cid in theirs:
                theirs[cid][attribution.coverage_id] = attribution.coverage
    rows = [
        {
            "contact_id": cid,
            "name": contacts[cid].name,
            "outlets": [o.name for o in contacts[cid].outlets],
            **reached[cid],
            **_yield(list(theirs[cid].values())),
        }
        for cid in reached
        if cid in contacts
    ]
    return sorted(rows, key=lambda r: (-r["clips"], -r["reach"], r["name"].casefold()))


def credited(reasons: list[dict]) -> list[int]:
    """The contacts a clip is credited to: its signing journalists when it names any of the
    contacts reached, else every reached contact of its outlet."""
    for kind in ("author", "outlet"):
        contacts = [cid for r in reasons if r.get("kind") == kind for cid in r.get("contacts", [])]
        if contacts:
            return contacts
    return []


def _by_outlet(clips: list[Coverage]) -> list[dict]:
    groups: dict[int | None, list[Coverage]] = {}
    for clip in clips:
        groups.setdefault(clip.outlet_id, []).append(clip)
    rows = [
        {
            "outlet_id": outlet_id,
            "name": group[0].outlet.name if group[0].outlet else None,
            "medium": group[0].medium.value if group[0].medium else None,
            **_yield(group),
        }
        for outlet_id, group in groups.items()
    ]
    return sorted(rows, key=lambda r: (-r["clips"], -r["reach"], (r["name"] or "").casefold()))
