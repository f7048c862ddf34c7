"""Sources: their health, pausing them, a dry run, and adding one from a site's address.

Feeds are read with the crawler's feed reader (``crawler.feeds``, feedparser, no Scrapy); the
downloads go through ``models.source_setup.fetch_for_setup``.
"""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from models import Outlet, Settings, Source, SourceKind, Task
from models.base import SourceHealth
from models.outlet import outlets_by_name
from models.source import (
    SOURCES_PER_PAGE,
    health_summary,
    set_enabled,
    source_by_url,
    sources_by_health,
)
from models.source_setup import (
    Candidate,
    Discovery,
    DuplicateSourceError,
    NewSource,
    SetupError,
    add_sources,
    discover,
    fetch_for_setup,
)

from .auth import permission_required
from .background import start_task, task_kind
from .reasons import translate_reason
from .session import db

bp = Blueprint("sources", __name__, url_prefix="/sources")

FEED_KINDS = (SourceKind.FEED, SourceKind.PODCAST, SourceKind.VIDEO, SourceKind.SEARCH)
TEST_TASK = "source_test"
MIN_INTERVAL, MAX_INTERVAL = 5, 7 * 24 * 60  # minutes


def _settings() -> Settings:
    return current_app.extensions["retombees_settings"]


def _source(source_id: int) -> Source:
    source = db().get(Source, source_id)
    if source is None:
        abort(404)
    return source


@bp.get("/")
@login_required
def index():
    """Source health at a glance: failing and blocked first, a page of them at a time."""
    session = db()
    summary = health_summary(session)
    health = request.args.get("health") or None
    if health not in (None, "paused", *(h.value for h in SourceHealth)):
        health = None
    shown = summary[health] if health else summary["total"]
    pages = max(1, -(-shown // SOURCES_PER_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    sources = sources_by_health(
        session, SOURCES_PER_PAGE, (page - 1) * SOURCES_PER_PAGE, health=health
    )
    return render_template(
        "sources/index.html",
        sources=sources,
        summary=summary,
        health=health,
        page=page,
        pages=pages,
        first=(page - 1) * SOURCES_PER_PAGE + 1,
        shown=shown,
        can_edit=current_user.can("edit_sources"),
    )


@bp.post("/<int:source_id>/pause")
@permission_required("edit_sources")
def pause(source_id: int):
    source = _source(source_id)
    set_enabled(source, False)
    db().commit()
    flash(_("%(name)s is paused: it will not be collected until resumed.", name=source.name))
    return redirect(url_for("sources.index"))


@bp.post("/<int:source_id>/resume")
@permission_required("edit_sources")
def resume(source_id: int):
    source = _source(source_id)
    set_enabled(source, True)
    db().commit()
    flash(_("%(name)s is resumed: it will be collected at the next round.", name=source.name))
    return redirect(url_for("sources.index"))


# -- Collecting now (webapp.jobs) -----------------------------------------------------------


@bp.post("/<int:source_id>/crawl")
@permission_required("edit_sources")
def crawl(source_id: int):
    source = _source(source_id)
    title = _("Collecting the source %(name)s", name=source.name)
    task = start_task(db(), "crawl", {"source_ids": [source.id]}, current_user, title)
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.post("/crawl")
@permission_required("edit_sources")
def crawl_all():
    task = start_task(db(), "crawl", {}, current_user, _("Collecting every active source"))
    return redirect(url_for("tasks.show", task_id=task.id))


# -- Dry run --------------------------------------------------------------------------------


@bp.post("/<int:source_id>/test")
@permission_required("edit_sources")
def test(source_id: int):
    source = _source(source_id)
    params = {"source_id": source.id, "link_prefix": url_for("sources.index")}
    title = _("Dry run of the source %(name)s", name=source.name)
    task = start_task(db(), TEST_TASK, params, current_user, title)
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.get("/<int:source_id>/test/<int:task_id>")
@login_required
def test_result(source_id: int, task_id: int):
    task = db().get(Task, task_id)
    if (
        task is None
        or task.kind != TEST_TASK
        or task.params.get("source_id") != source_id
        or (task.user_id != current_user.id and not current_user.can("admin"))
    ):
        abort(404)
    result = task.result or {}
    shown = [
        {**entry, "published": _when(entry.get("published"))} for entry in result.get("shown", [])
    ]
    return render_template(
        "sources/test_result.html",
        task=task,
        result=result,
        shown=shown,
        source=db().get(Source, source_id),
    )


def _when(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


@task_kind(TEST_TASK)
def run_dry_run(session, progress, params: dict) -> dict:
    """Fetch a feed source once and report what a crawl would collect; store nothing."""
    from crawler.feeds import parse_feed
    from crawler.search import unwrap_link
    from models.source_preview import PreviewEntry, preview_entries

    source = session.get(Source, params["source_id"])
    if source is None:
        raise LookupError("The source no longer exists.")
    result = {
        "source": source.name,
        "url": source.url,
        "kind": source.kind.value,
        "ok": False,
        "link": f"{params['link_prefix']}{source.id}/test/{progress.task_id}",
    }
    if source.kind not in FEED_KINDS:
        result["feeds_only"] = True
        progress(1, 1, "Dry run available for feeds only.")
        return result
    progress(0, 2, f"Fetching {source.url}")
    try:
        fetched = fetch_for_setup(source.url, _settings())  # tasks run in the app's context
    except SetupError as exc:
        result["error"] = str(exc)
        progress(2, 2, f"The source could not be read: {exc}.")
        return result
    feed = parse_feed(fetched.content, fetched.content_type, fetched.url)
    result.update(status=fetched.status, warning=feed.warning, feed_title=feed.title)
    if not feed.ok:
        result["error"] = feed.error
        progress(2, 2, f"The source could not be read: {feed.error}.")
        return result
    search = source.kind == SourceKind.SEARCH
    entries = [
        PreviewEntry(
            title=entry.title,
            url=unwrap_link(url) if search and url else url,
            published=entry.published,
            summary=entry.summary,
        )
        for entry in feed.entries
        for url in [entry.url or entry.enclosure_url]
    ]
    result.update(preview_entries(session, source, entries), ok=True)
    session.rollback()  # a dry run: nothing it touched is kept
    progress(
        2,
        2,
        f"{result['entries']} entries; {result['matching']} would match a campaign "
        f"({result['new_matching']} not stored yet); {result['stored']} already stored.",
    )
    return result


# -- Adding a source ------------------------------------------------------------------------

SETUP_MESSAGES = {
    "address": _l("This is not a web address: it must start with http:// or https://."),
    "timeout": _l("The site did not answer within %(timeout)s seconds."),
    "status": _l("The site answered with an error: %(reason)s."),
    "network": _l("The site could not be reached: %(reason)s."),
    "size": _l("The page is larger than the %(size)s bytes allowed."),
    "redirects": _l("The address redirects too many times."),
    "not_feed": _l("This address serves neither a web page nor a feed."),
}


def setup_message(exc: SetupError) -> str:
    """The person's explanation of a failed setup download, in the interface language."""
    settings = _settings()
    message = SETUP_MESSAGES.get(exc.code)
    if message is None:
        return translate_reason(str(exc))
    return str(message) % {
        "reason": translate_reason(str(exc)),
        "timeout": settings.download_timeout,
        "size": settings.max_page_bytes,
    }


def _candidates_page(found, outlet_id: int | None, error: str | None = None, status: int = 200):
    return (
        render_template(
            "sources/candidates.html",
            found=found,
            outlets=outlets_by_name(db()),
            outlet_id=outlet_id,
            kinds=list(SourceKind),
            error=error,
        ),
        status,
    )


@bp.get("/new")
@permission_required("edit_sources")
def new():
    return render_template("sources/new.html", url="", error=None)


@bp.post("/new")
@permission_required("edit_sources")
def find():
    """Step 1: fetch the pasted address and show the feeds it offers."""
    from crawler.feeds import parse_feed

    url = (request.form.get("url") or "").strip()
    if not url:
        return render_template("sources/new.html", url=url, error=_("Paste an address.")), 400
    if "://" not in url:
        url = "https://" + url
    try:
        found = discover(db(), url, _settings(), parse_feed)
    except SetupError as exc:
        return render_template("sources/new.html", url=url, error=setup_message(exc)), 422
    return _candidates_page(found, found.outlet.id if found.outlet else None)


def _posted_candidates() -> tuple[list[Candidate], list[NewSource]]:
    candidates, chosen = [], []
    picked = set(request.form.getlist("pick"))
    for index in range(int(request.form.get("count") or 0)):
        url = (request.form.get(f"url-{index}") or "").strip()
        name = (request.form.get(f"name-{index}") or "").strip()
        try:
            kind = SourceKind(request.form.get(f"kind-{index}"))
        except ValueError:
            abort(400)
        if not url:
            continue
        candidates.append(Candidate(url, name, kind, existing=source_by_url(db(), url)))
        if str(index) in picked:
            chosen.append(NewSource(url, name, kind))
    return candidates, chosen


@bp.post("/add")
@permission_required("edit_sources")
def add():
    """Step 2: save the chosen candidates as sources."""
    session = db()
    candidates, chosen = _posted_candidates()
    posted = Discovery(
        url=request.form.get("page_url", ""),
        title=request.form.get("page_title", ""),
        candidates=candidates,
    )
    try:
        outlet_id = int(request.form.get("outlet") or 0) or None
        interval = int(request.form.get("interval") or 60)
    except ValueError:
        abort(400)
    outlet = session.get(Outlet, outlet_id) if outlet_id else None
    if not chosen:
        return _candidates_page(posted, outlet_id, _("Choose at least one source."), 400)
    if not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        message = _(
            "The interval must be between %(low)s and %(high)s minutes.",
            low=MIN_INTERVAL,
            high=MAX_INTERVAL,
        )
        return _candidates_page(posted, outlet_id, message, 400)
    try:
        added = add_sources(session, chosen, outlet, interval, _settings())
        session.commit()
    except DuplicateSourceError as exc:
        session.rollback()
        message = _(
            "%(url)s is already a source (%(name)s): nothing was added.",
            url=exc.source.url,
            name=exc.source.name,
        )
        return _candidates_page(posted, outlet_id, message, 409)
    except SetupError as exc:
        session.rollback()
        return _candidates_page(posted, outlet_id, setup_message(exc), 400)
    except IntegrityError:  # added meanwhile by someone else
        session.rollback()
        message = _("One of these addresses was added meanwhile: nothing was added.")
        return _candidates_page(posted, outlet_id, message, 409)
    flash(
        _(
            "%(n)s source(s) added: %(names)s. They will be collected at the next round.",
            n=len(added),
            names=", ".join(s.name for s in added),
        ),
        "success",
    )
    return redirect(url_for("sources.index"))
