"""The batch job: claims, analyses once, moves clips to review."""

import threading
from datetime import timedelta

from sqlalchemy import select, update

from models import Campaign, Coverage, CoverageCampaign, CoverageStatus, Medium, Outlet, utcnow
from models.coverage import claim_pending
from models.db import open_database
from nlp.job import process_pending

NPDC = "À Loos-en-Gohelle, les terrils du bassin minier sont au patrimoine mondial."
LORRAINE = "À Petite-Rosselle, en Moselle, le bassin minier lorrain se souvient."


def add_clips(sessions, count: int, text: str = NPDC) -> None:
    with sessions.begin() as session:
        campaign = session.scalar(select(Campaign)) or Campaign(slug="c", name="C", query="x")
        outlet = session.scalar(select(Outlet)) or Outlet(
            name="La Voix du Nord", medium=Medium.PRESS
        )
        start = session.query(Coverage).count()
        for i in range(count):
            session.add(
                Coverage(
                    url=f"https://lavoixdunord.fr/{start + i}",
                    title=f"Article {start + i}",
                    text=text,
                    outlet=outlet,
                    campaign_links=[CoverageCampaign(campaign=campaign, hits=["bassin minier"])],
                )
            )


def test_pending_clips_are_analysed_and_moved_to_review(sessions, nlp):
    add_clips(sessions, 3)
    add_clips(sessions, 1, LORRAINE)
    stats = process_pending(sessions, nlp, batch_size=2)
    assert (stats.processed, stats.relevant, stats.batches) == (4, 3, 2)
    with sessions() as session:
        clips = list(session.scalars(select(Coverage).order_by(Coverage.id)))
    assert {c.status for c in clips} == {CoverageStatus.NEW}
    assert [c.relevant for c in clips] == [True, True, True, False]
    assert all(c.medium == Medium.PRESS and "registered as press" in c.medium_reason for c in clips)
    assert all(c.processed_at and c.claim_token is None for c in clips)


def test_running_again_processes_nothing_twice(sessions, nlp):
    add_clips(sessions, 2)
    assert process_pending(sessions, nlp).processed == 2
    with sessions() as session:
        first = {c.id: c.processed_at for c in session.scalars(select(Coverage))}
    assert process_pending(sessions, nlp).processed == 0
    add_clips(sessions, 1)
    assert process_pending(sessions, nlp).processed == 1
    with sessions() as session:
        again = {c.id: c.processed_at for c in session.scalars(select(Coverage))}
    assert all(again[i] == when for i, when in first.items())


def test_claims_of_a_dead_worker_are_taken_over(sessions, nlp):
    add_clips(sessions, 2)
    with sessions.begin() as session:
        assert claim_pending(session, 10, "dead-worker") == [1, 2]
    assert process_pending(sessions, nlp).processed == 0  # still claimed, not stale yet
    with sessions.begin() as session:
        session.execute(update(Coverage).values(claimed_at=utcnow() - timedelta(hours=1)))
    assert process_pending(sessions, nlp).processed == 2


def test_concurrent_workers_never_claim_the_same_clip(any_settings):
    engine, sessions = open_database(any_settings)
    add_clips(sessions, 60)
    claimed: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    errors = []

    def worker(token: str) -> None:
        try:
            while True:
                with sessions.begin() as session:
                    ids = claim_pending(session, 7, token)
                if not ids:
                    return
                claimed[token].extend(ids)
        except Exception as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    everything = [i for ids in claimed.values() for i in ids]
    assert sorted(everything) == list(range(1, 61))  # each clip claimed exactly once
    engine.dispose()


def test_changed_campaign_reanalyses_its_clips_and_keeps_reviews(sessions, nlp):
    from models import Role, User
    from models.coverage import mark_campaign_stale
    from models.review import set_medium

    add_clips(sessions, 3)
    process_pending(sessions, nlp)
    with sessions.begin() as session:
        user = User(username="claire", role=Role.OFFICER, password_hash="x")
        session.add(user)
        set_medium(session, 1, "tv", user)  # a person's choice
        session.get(Coverage, 2).status = CoverageStatus.CONFIRMED
        campaign = session.scalar(select(Campaign))
        assert mark_campaign_stale(session, campaign.id) == 3
    with sessions() as session:
        before = {c.id: c.processed_at for c in session.scalars(select(Coverage))}
    stats = process_pending(sessions, nlp)
    assert stats.processed == 3
    with sessions() as session:
        clips = {c.id: c for c in session.scalars(select(Coverage))}
        assert clips[1].medium == Medium.TV and clips[1].status == CoverageStatus.NEW
        assert clips[2].status == CoverageStatus.CONFIRMED  # review status kept
        assert all(c.processed_at > before[c.id] and not c.stale_analysis for c in clips.values())
    assert process_pending(sessions, nlp).processed == 0
