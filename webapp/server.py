"""Serving the web application with gunicorn (the production WSGI server)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from models import Settings


class WebServer(BaseApplication):
    """Gunicorn running ``create_app(settings=...)`` in each worker."""

    def __init__(self, settings: Settings, host: str, port: int, workers: int):
        self.settings = settings
        self.options = {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": settings.log_level.lower(),
            "timeout": 60,
            "graceful_timeout": 10,
            "proc_name": "retombees-web",
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from .app import create_app

        return create_app(settings=self.settings)


def serve(settings: Settings, host: str | None = None, port: int | None = None, workers=None):
    """Serve the interface until interrupted."""
    WebServer(
        settings, host or settings.host, port or settings.port, workers or settings.web_workers
    ).run()
