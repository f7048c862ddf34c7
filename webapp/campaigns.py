"""Campaigns and their confirmed coverage counted by medium."""

from flask import Blueprint, abort, render_template
from flask_login import login_required

from models.campaign import campaign_by_slug, campaigns_by_name
from models.reports import campaign_tally, status_counts

from .session import db

bp = Blueprint("campaigns", __name__, url_prefix="/campaigns")


@bp.get("/")
@login_required
def index():
    session = db()
    campaigns = campaigns_by_name(session)
    tallies = {c.id: campaign_tally(session, c.id) for c in campaigns}
    return render_template("campaigns/index.html", campaigns=campaigns, tallies=tallies)


@bp.get("/<slug>")
@login_required
def show(slug: str):
    session = db()
    campaign = campaign_by_slug(session, slug)
    if campaign is None:
        abort(404)
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        tally=campaign_tally(session, campaign.id),
        statuses=status_counts(session, campaign.id),
    )
