"""The JSON API under ``/api/v1``, authenticated by a per-user token."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
