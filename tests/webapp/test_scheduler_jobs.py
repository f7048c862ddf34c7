"""The jobs page: whether the scheduler runs, and each job's next run, last run and error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models import JobRun
from models.job_run import SCHEDULER, scheduler_state


def _page(client) -> str:
    response = client.get("/admin/jobs/?lang=en")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_officers_and_administrators_see_that_the_scheduler_never_started(
    officer_client,
):
    page = _page(officer_client)
    assert "The scheduler has never started on this database" in page
    assert "No job yet" in page
    assert "/admin/jobs/" in officer_client.get("/sources/").get_data(as_text=True)


@pytest.mark.parametrize("role_client", ["management_client", "agency_client"])
def test_other_roles_do_not_get_in(request, role_client):
    client = request.getfixturevalue(role_client)
    assert client.get("/admin/jobs/").status_code == 403


def test_the_administration_links_to_the_jobs_page(admin_client):
    assert "/admin/jobs/" in admin_client.get("/admin/").get_data(as_text=True)
    assert "The scheduler has never started" in _page(admin_client)


def test_a_scheduler_without_heartbeat_for_five_minutes_is_shown_as_not_responding(
    app, officer_client
):
    now = datetime.now(UTC)
    with app.extensions["retombees_sessions"].begin() as session:
        session.add(
            JobRun(
                job_id=SCHEDULER,
                name="Scheduler",
                last_started_at=now - timedelta(hours=2),
                last_finished_at=now - timedelta(minutes=4),
                last_status="running",
                runs=1,
                failures=0,
            )
        )
        session.add(
            JobRun(
                job_id="crawl-due",
                name="Crawl due sources",
                last_started_at=now - timedelta(minutes=5),
                last_finished_at=now - timedelta(minutes=6),
                runs=3,
                failures=0,
            )
        )
    with app.extensions["retombees_sessions"]() as session:
        assert scheduler_state(session, now).state == "running"
        assert scheduler_state(session, now + timedelta(minutes=2)).state == "silent"
    page = _page(officer_client)
    assert "The scheduler has been running since" in page
    crawl_row = page.split('id="job-crawl-due"')[1].split("</tr>")[0]
    assert "Running" in crawl_row and "not scheduled" in crawl_row

    with app.extensions["retombees_sessions"].begin() as session:
        session.get(JobRun, SCHEDULER).last_finished_at = now - timedelta(minutes=6)
    page = _page(officer_client)
    assert "No sign of life from the scheduler since" in page
    crawl_row = page.split('id="job-crawl-due"')[1].split("</tr>")[0]
    assert "Interrupted" in crawl_row  # its scheduler died while it ran
