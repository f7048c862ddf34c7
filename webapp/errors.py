"""One error handler: HTML pages for people, JSON for API clients."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return jsonify(error=exc.name, message=exc.description), exc.code
        return render_template("errors/error.html", error=exc), exc.code
