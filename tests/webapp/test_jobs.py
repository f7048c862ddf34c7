"""Long work started from the interface: it runs in the background, shows its progress, and
leaves its outcome (and file) on the task page."""

from __future__ import annotations

import dataclasses
import io
import time
from datetime import timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from models import (
    Campaign,
    Coverage,
    CoverageStatus,
    Outlet,
    Source,
    SourceKind,
    Task,
    User,
    utcnow,
)
from models.base import Medium
from tests.conftest import add_user, csrf_token, login
from tests.models.test_search import seed
from webapp.background import task_kind


def started_task(response) -> int:
    assert response.status_code == 302
    assert "/tasks/" in response.location
    return int(response.location.rstrip("/").rsplit("/", 1)[1])


def test_an_export_of_search_results_runs_as_a_task_with_a_file(app, officer_client, inline_tasks):
    seed(app.extensions["retombees_sessions"])
    token = csrf_token(officer_client, "/coverage/?q=énergie")
    task_id = started_task(
        officer_client.post("/coverage/export?q=énergie&sort=date_asc", data={"csrf_token": token})
    )
    state = officer_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "done" and state["has_file"] and state["percent"] == 100
    assert "Télécharger" in officer_client.get(f"/tasks/{task_id}").get_data(as_text=True)

    download = officer_client.get(f"/tasks/{task_id}/download")
    sheet = load_workbook(io.BytesIO(download.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Date", "Support", "Média", "Titre")  # in the user's language
    titles = [row[3] for row in rows[1:]]
    assert len(titles) == 3 and all("nergie" in t or "festival" in t for t in titles)
    assert [row[0] for row in rows[1:]] == sorted(row[0] for row in rows[1:])  # the sort kept


def test_a_task_is_shown_to_its_owner_only(app, client, officer_client, inline_tasks):
    seed(app.extensions["retombees_sessions"])
    token = csrf_token(officer_client, "/coverage/")
    task_id = started_task(officer_client.post("/coverage/export", data={"csrf_token": token}))
    officer_client.post("/logout", data={"csrf_token": token})
    add_user(app, "autre", "officer")
    login(client, "autre")
    assert client.get(f"/tasks/{task_id}").status_code == 404
    assert client.get(f"/tasks/{task_id}/download").status_code == 404


def test_management_may_export_but_not_collect(app, management_client, inline_tasks):
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(Source(name="Flux", kind=SourceKind.FEED, url="http://127.0.0.1:9/feed"))
    token = csrf_token(management_client, "/coverage/")
    assert management_client.post("/sources/1/crawl", data={"csrf_token": token}).status_code == 403
    assert management_client.post("/sources/crawl", data={"csrf_token": token}).status_code == 403
    response = management_client.post("/coverage/export", data={"csrf_token": token})
    assert response.status_code == 302


def test_collecting_a_source_now_stores_its_clips(
    app, officer_client, inline_tasks, fixture_server
):
    with app.extensions["retombees_sessions"].begin() as session:
        outlet = Outlet(name="La Voix du Nord", medium=Medium.PRESS)
        session.add(Campaign(slug="bassin-minier", name="Bassin minier", query='"bassin minier"'))
        session.add(
            Source(
                name="La Voix du Nord",
                kind=SourceKind.FEED,
                url=fixture_server.url("site/press/rss.xml"),
                outlet=outlet,
            )
        )
    token = csrf_token(officer_client, "/sources/")
    task_id = started_task(officer_client.post("/sources/1/crawl", data={"csrf_token": token}))
    state = officer_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "done", state
    assert state["result"]["stats"]["stored"] > 0
    with app.extensions["retombees_sessions"]() as session:
        assert (
            session.scalar(select(func.count()).select_from(Coverage))
            == (state["result"]["stats"]["stored"])
        )


def test_a_failed_crawl_fails_the_task_with_its_reason(app, officer_client, inline_tasks):
    # the child process is given a database it cannot open
    settings = app.extensions["retombees_settings"]
    app.extensions["retombees_settings"] = dataclasses.replace(
        settings, database_url="nosuchdb://x"
    )
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(Source(name="Flux", kind=SourceKind.FEED, url="http://127.0.0.1:9/feed"))
    token = csrf_token(officer_client, "/sources/")
    task_id = started_task(officer_client.post("/sources/crawl", data={"csrf_token": token}))
    state = officer_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "failed" and "nosuchdb" in state["error"]


@task_kind("test_steps")
def _steps(session, progress, params):
    for step in range(params["steps"]):
        progress(step, params["steps"], f"step {step}")
        time.sleep(0.05)
    return {"steps": params["steps"]}


def test_a_background_task_reports_progress_then_its_outcome(app, officer_client):
    from webapp.background import start_task
    from webapp.session import db

    with app.test_request_context():
        task = start_task(db(), "test_steps", {"steps": 10}, None, "Ten steps")
        task_id = task.id
    deadline = time.monotonic() + 10
    while True:
        with app.extensions["retombees_sessions"]() as session:
            task = session.get(Task, task_id)
            if task.finished or time.monotonic() > deadline:
                break
        time.sleep(0.05)
    assert task.status == "done" and task.result == {"steps": 10} and task.percent == 100


def test_a_task_whose_process_died_is_shown_as_interrupted(app, officer_client):
    with app.extensions["retombees_sessions"].begin() as session:
        user = session.scalar(select(User))
        session.add(
            Task(
                kind="crawl",
                title="Collecte",
                status="running",
                user=user,
                heartbeat_at=utcnow() - timedelta(hours=1),
            )
        )
    assert officer_client.get("/tasks/1.json").get_json()["status"] == "interrupted"
    assert "Interrompue" in officer_client.get("/tasks/1").get_data(as_text=True)


def test_analysing_a_campaign_again_processes_its_clips(app, officer_client, inline_tasks):
    seed(app.extensions["retombees_sessions"])
    token = csrf_token(officer_client, "/campaigns/dix-ans")
    task_id = started_task(
        officer_client.post("/campaigns/dix-ans/reanalyse", data={"csrf_token": token})
    )
    state = officer_client.get(f"/tasks/{task_id}.json").get_json()
    assert state["status"] == "done", state
    assert state["total"] == state["result"]["clips"] > 0 and state["result"]["left"] == 0
    with app.extensions["retombees_sessions"]() as session:
        stale = select(func.count()).select_from(Coverage).where(Coverage.stale_analysis)
        assert session.scalar(stale) == 0
        campaign = session.scalar(select(Campaign).where(Campaign.slug == "dix-ans"))
        analysed = [link.coverage for link in campaign.coverage_links]
        assert len(analysed) == state["result"]["clips"]
        assert all(clip.processed_at is not None for clip in analysed)
        # a new analysis keeps the review's decision
        assert {clip.status for clip in analysed} <= {
            CoverageStatus.CONFIRMED,
            CoverageStatus.REJECTED,
            CoverageStatus.NEW,
        }
