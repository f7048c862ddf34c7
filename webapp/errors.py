"""One error handler: HTML pages for people, JSON for API clients."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, NotFound

from models.review import ReviewError

_STATUS = {400: BadRequest, 404: NotFound}


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        # The error's own headers go with the page: Allow of a 405, WWW-Authenticate of a 401.
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return jsonify(error=exc.name, message=exc.description), exc.code, headers
        return render_template("errors/error.html", error=exc), exc.code, headers

    @app.errorhandler(ReviewError)
    def review_error(exc: ReviewError):
        """A domain error from a review action, shown with its own status."""
        return http_error(_STATUS[exc.status](description=str(exc)))
