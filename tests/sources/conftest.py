"""A web server on 127.0.0.1 for the fetching tests, and a guard that no test sends traffic
anywhere else: every connection the fetcher opens goes through `socket.create_connection`,
which here connects to 127.0.0.1 only and records (and blocks) any other address."""

import http.server
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FIXTURES = Path(__file__).parents[1] / "fixtures"
SEED_HTML = (FIXTURES / "seed-article.html").read_text("utf-8")


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the name http.server calls
        self.server.seen.append((self.path, dict(self.headers)))
        path, query = urlsplit(self.path).path, parse_qs(urlsplit(self.path).query)
        if path in ("/old-address", "/to-file", "/redir"):
            target = {
                "/old-address": "/article",
                "/to-file": "ftp://127.0.0.1/etc/passwd",
                "/redir": (query.get("to") or ["/article"])[0],
            }[path]
            self.send_response(302 if path != "/old-address" else 301)
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if path == "/slow":
            # A byte every 0.2 s, for up to 20 s: each read is quick, the whole is not.
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            for _ in range(100):
                try:
                    self.wfile.write(b"a")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
            return
        routes = {
            "/article": (200, "text/html; charset=utf-8", SEED_HTML.encode("utf-8")),
            "/plain": (200, "text/plain; charset=utf-8", b"A plain statement from Rabat."),
            "/secret": (200, "text/plain", b"internal: the database password is hunter2"),
            "/report.pdf": (200, "application/pdf", b"%PDF-1.7 ..."),
            "/huge": (200, "text/html", b"<p>" + b"a" * 5000 + b"</p>"),
        }
        status, content_type, body = routes.get(path, (404, "text/html", b"Not here"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if path != "/huge":  # no length: the cap must hold while reading
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class LocalServer:
    """The server's base URL (http://127.0.0.1:PORT), port, and the requests it received."""

    def __init__(self, httpd):
        self.httpd = httpd
        self.port = httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.httpd.seen]

    def headers(self, index: int = -1) -> dict:
        return self.httpd.seen[index][1]


@pytest.fixture
def local_server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield LocalServer(httpd)
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def allow_local(settings):
    """The allow-list names the test server's address: fetching from it is allowed."""
    settings.CLAIMTRACK_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def only_loopback_connections(monkeypatch):
    """Connections go to 127.0.0.1 only; any other address is recorded and refused unsent."""
    attempts: list[str] = []
    connect = socket.create_connection

    def guarded(address, *args, **kwargs):
        if address[0] != "127.0.0.1":
            attempts.append(address[0])
            raise ConnectionRefusedError(111, "Connection refused (test guard)")
        return connect(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)
    return attempts
