"""claimtrack as deployed: a fresh virtualenv with `requirements.txt` alone (no dev extras),
`manage.py migrate` / `load_demo` / `collectstatic`, and gunicorn with `gunicorn.conf.py` and
`DJANGO_DEBUG=0`, on a throwaway database of the same kind as the test run's (a SQLite file, or
a PostgreSQL database beside the test database).

Defects of the install, of gunicorn's own limits and of transaction handling outside a test
transaction show only here: the test client shares the dev virtualenv and wraps each test in a
transaction. Tests talk HTTP to `deployed.url` and run commands with `deployed.manage(...)`.

The runtime virtualenv is kept in `.venv-runtime/` (git-ignored) and rebuilt only when
`requirements.txt` changes.
"""

import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings as django_settings

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_VENV = ROOT / ".venv-runtime"
STARTUP_SECONDS = 60


def runtime_python() -> Path:
    """The runtime virtualenv's python, built from requirements.txt alone when it is stale.

    Test processes running in parallel (pytest-xdist, or the SQLite and PostgreSQL runs side by
    side) build it once: the first takes the lock, the others wait and then find it fresh.
    """
    with open(ROOT / ".venv-runtime.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _runtime_python()


def _runtime_python() -> Path:
    wanted = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    stamp = RUNTIME_VENV / ".requirements.sha256"
    python = RUNTIME_VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    subprocess.run(
        [sys.executable, "-m", "venv", "--clear", str(RUNTIME_VENV)], check=True, timeout=300
    )
    quiet = ["--quiet", "--disable-pip-version-check"]
    subprocess.run(
        [str(python), "-m", "pip", "install", *quiet, "-r", str(ROOT / "requirements.txt")],
        check=True,
        timeout=900,
        capture_output=True,
    )
    stamp.write_text(wanted)
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    """One HTTP answer: status, headers (lower-case names), body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Deployed:
    """A running gunicorn of claimtrack and the environment it was started with."""

    url: str
    port: int
    env: dict[str, str]
    python: Path
    log: Path
    process: subprocess.Popen | None = None
    extra: dict = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        body=None,
        headers: dict | None = None,
        timeout: float = 30,
    ) -> Answer:
        """Send one request; a dict or list body goes as JSON, bytes or str as they are."""
        headers = dict(headers or {})
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        headers.setdefault("Accept", "application/json")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            # skip_accept_encoding etc.: send exactly what the test asks for.
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Answer(
                response.status,
                {k.lower(): v for k, v in response.getheaders()},
                response.read(),
            )
        finally:
            connection.close()

    def manage(self, *args: str, input: str | None = None, env: dict | None = None, timeout=300):
        """`manage.py …` with the deployed environment (and its database)."""
        return subprocess.run(
            [str(self.python), "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def token(self, username: str, role: str) -> str:
        """An API token for a new account in `role` (through `create_user`, as a person would)."""
        result = self.manage("create_user", username, "--role", role, "--api-only")
        assert result.returncode == 0, result.stderr
        for line in reversed(result.stdout.splitlines()):
            words = line.split()
            if words and len(words[-1]) >= 32:
                return words[-1]
        raise AssertionError(f"no token in create_user's output:\n{result.stdout}")


def _database_url(name: str, tmp_path) -> tuple[str, callable]:
    """A throwaway database of the test run's kind, and how to drop it."""
    default = django_settings.DATABASES["default"]
    if default["ENGINE"] != "django.db.backends.postgresql":
        return f"sqlite:///{tmp_path / 'deployed.sqlite3'}", lambda: None
    import psycopg

    host, port = default.get("HOST") or "127.0.0.1", default.get("PORT") or 5432
    user = default.get("USER") or "postgres"
    database = f"{default['NAME']}_{name}"[:63]
    admin = f"host={host} port={port} user={user} dbname=postgres"

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    run(f'CREATE DATABASE "{database}"')
    return (
        f"postgres://{user}@{host}:{port}/{database}",
        lambda: run(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'),
    )


def base_environment(database_url: str, port: int) -> dict[str, str]:
    """The environment docs/deploy.md gives a production server, on plain HTTP at 127.0.0.1."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PG_BIN")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on loopback: cookies must be sent back without TLS.
        DJANGO_SESSION_COOKIE_SECURE="0",
        DJANGO_CSRF_COOKIE_SECURE="0",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


@contextlib.contextmanager
def deployed_server(name: str, tmp_path, **overrides: str):
    """Start claimtrack as deployed (see the module docstring); `overrides` add to the env."""
    python = runtime_python()
    database_url, drop = _database_url(name, tmp_path)
    port = free_port()
    env = {**base_environment(database_url, port), **overrides}
    log = tmp_path / f"gunicorn-{name}.log"
    server = Deployed(f"http://127.0.0.1:{port}", port, env, python, log)
    try:
        for step in (["migrate", "--no-input"], ["load_demo"], ["collectstatic", "--no-input"]):
            result = server.manage(*step)
            assert result.returncode == 0, f"manage.py {' '.join(step)}:\n{result.stderr}"
        gunicorn = python.parent / "gunicorn"
        with open(log, "ab") as output:
            server.process = subprocess.Popen(
                [str(gunicorn), "-c", "gunicorn.conf.py", "claimtrack.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if server.process.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{log.read_text()[-3000:]}")
            try:
                if server.request("GET", "/healthz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"gunicorn did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        if server.process is not None:
            server.process.terminate()
            try:
                server.process.wait(30)
            except subprocess.TimeoutExpired:
                server.process.kill()
        drop()


@pytest.fixture(scope="session")
def deployed(tmp_path_factory, django_db_setup, django_db_blocker):
    """One deployed server for the session, with the demo data, default settings."""
    with deployed_server("deployed", tmp_path_factory.mktemp("deployed")) as server:
        yield server
