"""A small static web server for sample sites (the demo, the tests).

Files are served from a folder; in ``.xml`` and ``.html`` files the placeholder ``@BASE@`` is
replaced by the server's own address, so feeds can hold absolute links.
"""

from __future__ import annotations

import mimetypes
import threading
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PLACEHOLDER = b"@BASE@"
TYPES = {
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}

# A route answers a request path with (status, headers, body), or None to fall through.
Route = Callable[[BaseHTTPRequestHandler, str], tuple[int, dict, bytes] | None]


class SiteServer:
    """Serve ``root`` on 127.0.0.1 in a background thread."""

    def __init__(self, root: Path, port: int = 0, routes: dict[str, Route] | None = None):
        self.root = Path(root).resolve()
        self.routes = routes or {}
        self.hits: Counter[str] = Counter()  # requests per path, for tests and benchmarks
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):  # noqa: N802 (http.server's naming)
                path = unquote(urlsplit(self.path).path)
                with server._lock:
                    server.hits[path] += 1
                for prefix, route in server.routes.items():
                    if path.startswith(prefix):
                        answer = route(self, path)
                        if answer is not None:
                            return self._send(*answer)
                self._send(*server.static(path))

            def _send(self, status: int, headers: dict, body: bytes):
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def static(self, path: str) -> tuple[int, dict, bytes]:
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if not target.is_relative_to(self.root) or not target.is_file():
            return 404, {"Content-Type": "text/plain; charset=utf-8"}, b"not found"
        body = target.read_bytes()
        if target.suffix in (".xml", ".html", ".rss"):
            body = body.replace(PLACEHOLDER, self.base_url.encode())
        kind = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
        return 200, {"Content-Type": kind or "application/octet-stream"}, body

    def start(self) -> SiteServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
