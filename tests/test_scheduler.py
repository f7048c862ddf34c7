"""The scheduler crawls due sources, analyses pending coverage, and stops cleanly."""

import os
import signal
import subprocess
import sys
import time

from sqlalchemy import select

from models import Campaign, Coverage, CoverageStatus, Source, SourceKind
from models.db import open_database
from scheduler import Jobs, build_scheduler


def test_jobs_are_registered_once_with_stable_ids(settings):
    scheduler = build_scheduler(settings)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"crawl-due", "process", "housekeeping"}
    assert all(job.max_instances == 1 and job.coalesce for job in jobs.values())
    assert jobs["process"].trigger.interval.total_seconds() == settings.process_interval


def test_due_sources_are_crawled_then_wait_for_their_interval(settings, fixture_server, nlp):
    _engine, sessions = open_database(settings)
    with sessions.begin() as session:
        session.add(Campaign(slug="c", name="C", query="terrils"))
        session.add(
            Source(
                name="partner",
                kind=SourceKind.FEED,
                interval_minutes=30,
                url=fixture_server.url("site/partner/feed.xml"),
            )
        )
        session.add(
            Source(
                name="paused",
                kind=SourceKind.FEED,
                enabled=False,
                url=fixture_server.url("site/press/rss.xml"),
            )
        )
    jobs = Jobs(settings)
    jobs._nlp = nlp
    jobs.crawl_due()
    with sessions() as session:
        partner, paused = session.scalars(select(Source).order_by(Source.id))
        assert partner.last_success_at is not None and paused.last_attempt_at is None
        first_attempt = partner.last_attempt_at
    jobs.crawl_due()  # not due again for 30 minutes
    with sessions() as session:
        assert session.get(Source, partner.id).last_attempt_at == first_attempt
    jobs.process()
    with sessions() as session:
        assert [c.status for c in session.scalars(select(Coverage))] == [CoverageStatus.NEW]


def test_scheduler_process_stops_on_sigterm(settings):
    env = {
        **os.environ,
        **settings.to_env(),
        "RETOMBEES_LOG_LEVEL": "INFO",
        "RETOMBEES_SOURCE_CHECK_INTERVAL": "3600",
        "RETOMBEES_PROCESS_INTERVAL": "3600",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler"], env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    lines = []
    for line in process.stderr:
        lines.append(line)
        if "scheduler started" in line or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert any("scheduler started" in line for line in lines)


def test_new_clips_are_suggested_for_the_press_actions_still_open(settings):
    from datetime import UTC, datetime, timedelta

    from models import ActionContact, ActionKind, Contact, ContactOutlet, Outlet, PressAction
    from models.base import Medium

    _engine, sessions = open_database(settings)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        contact = Contact(first_name="Claire", last_name="Dufour")
        contact.outlet_links = [ContactOutlet(outlet=outlet)]
        for title, day in (("ouverte", now.date()), ("close", now.date() - timedelta(days=90))):
            session.add(
                PressAction(
                    kind=ActionKind.RELEASE,
                    title=title,
                    day=day,
                    people=[ActionContact(contact=contact, recipient=True)],
                )
            )
        session.add(
            Coverage(
                url="https://www.lavoixdunord.fr/a",
                title="Le Bassin minier",
                outlet=outlet,
                published_at=now,
                status=CoverageStatus.NEW,
            )
        )
    Jobs(settings).suggest_attributions()
    with sessions() as session:
        open_action, closed = session.scalars(select(PressAction).order_by(PressAction.id))
        assert [a.coverage.title for a in open_action.attributions] == ["Le Bassin minier"]
        assert closed.attributions == []  # its window ended long ago
