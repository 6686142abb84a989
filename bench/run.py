"""The benchmark suite: one command that measures claimtrack side by side with its rivals.

    .venv/bin/python -m bench.run --database-url postgres://postgres@127.0.0.1:5432/ct_bench \\
        --claims 100000 --generate

starts every arm on 127.0.0.1, drives it with wrk for a fixed time per scenario, rounds
interleaved (every round runs every arm once, in a rotating order), and writes bench/RESULTS.md.
`--smoke` instead checks, on a few thousand claims, that every arm answers the same rows.
See bench/README.md.
"""

import argparse
import base64
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from bench import positions
from bench.imports import import_vs_copy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
MAX_ID = 2**63 - 1
COUNTRY = "MA"
PAGE_SIZE = 50
DEEP_PAGES = 1000
# The same gunicorn settings for every Python arm (the floor and claimtrack).
GUNICORN = ["--worker-class", "sync", "--log-level", "warning", "--timeout", "120"]
DATASETTE_JSON = "&".join(f"_json={c}" for c in ("event", "countries", "participants", "citations"))


def cursor_token(before: int) -> str:
    """The API's keyset cursor (claimtrack.pagination) for "claims with id below `before`"."""
    raw = json.dumps({"p": [before, before], "r": 0}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Arm:
    """One server under test: how to start it and how to ask it for a page of claims."""

    name: str
    kind: str  # "floor", "claimtrack" or "datasette"
    workers: int
    port: int = 0
    process: subprocess.Popen | None = None
    error: str = ""
    database: str = "claims"  # Datasette names a database after its file
    database_url: str = ""  # another database than --database-url (the 10k data set)
    extra: list[str] = field(default_factory=list)  # more gunicorn options
    cached: bool = False  # claimtrack: anonymous reads answered from the response cache

    @property
    def label(self) -> str:
        return self.name if self.kind == "datasette" else f"{self.name} ({self.workers}w)"

    def command(self, args) -> list[str]:
        bind = ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers), *self.extra]
        if self.kind == "floor":
            return [str(BIN / "gunicorn"), *GUNICORN, *bind, "bench.floor:app"]
        if self.kind == "claimtrack":
            return [str(BIN / "gunicorn"), *GUNICORN, *bind, "claimtrack.wsgi:application"]
        return [
            str(BIN / "datasette"),
            "serve",
            "-i",
            str(args.sqlite),
            "--host",
            HOST,
            "--port",
            str(self.port),
            "--metadata",
            str(datasette_metadata(args)),
            "--setting",
            "sql_time_limit_ms",
            "10000",
        ]

    def env(self, args) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url or args.database_url,
            "PYTHONPATH": str(ROOT),
        }
        if self.kind == "claimtrack":
            # Production settings, minus what would refuse a load test from one address.
            env.update(
                DJANGO_DEBUG="0",
                DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "bench-only-" + "x" * 50),
                DJANGO_ALLOWED_HOSTS=HOST,
                DATABASE_CONN_MAX_AGE="600",
                CLAIMTRACK_THROTTLE_ANON="100000000/second",
                CLAIMTRACK_THROTTLE_USER="100000000/second",
            )
            # The production cache (throttle counters, sessions); without it the database's
            # cache table, a write per request.
            env["REDIS_URL"] = args.redis_url or ""
            # P2 measures claimtrack without its response cache, and with it (its own arm).
            env["CLAIMTRACK_RESPONSE_CACHE"] = "1" if self.cached else "0"
        return env

    def at(self, path: str) -> str:
        """The URL of `path` on this server."""
        return f"http://{HOST}:{self.port}{path}"

    def url(self, before: int = MAX_ID) -> str:
        """The headline page: claims concerning COUNTRY with id below `before`."""
        base = f"http://{HOST}:{self.port}"
        if self.kind == "datasette":
            return (
                f"{base}/{self.database}/by_country.json?country={COUNTRY}&before={before}"
                f"&_shape=objects&{DATASETTE_JSON}"
            )
        query = f"country={COUNTRY}&page_size={PAGE_SIZE}"
        if before != MAX_ID:
            query += f"&cursor={cursor_token(before)}"
        return f"{base}/api/v1/claims/?{query}"

    def page(self, url: str) -> tuple[list[dict], str | None]:
        """(rows, next URL) of one page."""
        with urllib.request.urlopen(url, timeout=30) as response:
            body = json.loads(response.read())
        if self.kind == "datasette":
            rows = body["rows"]
            return rows, (self.url(rows[-1]["id"]) if len(rows) == PAGE_SIZE else None)
        return body["results"], body["next"]


@dataclass
class Measurement:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


@dataclass
class Target:
    """One thing a scenario measures: a URL on a server, or SQL run directly with psycopg."""

    label: str
    url: str = ""
    headers: list[str] = field(default_factory=list)
    sql: str = ""
    database_url: str = ""


@dataclass
class Scenario:
    """Targets compared with each other; every round runs each once, in a rotating order."""

    name: str
    targets: list[Target]
    connections: int
    results: dict[str, list[Measurement]] = field(default_factory=dict)


def datasette_metadata(args) -> Path:
    """bench/datasette/metadata.json, for a database named after args.sqlite's file."""
    metadata = json.loads((ROOT / "bench/datasette/metadata.json").read_text())
    metadata["databases"] = {args.sqlite.stem: metadata["databases"]["claims"]}
    path = args.workdir / "metadata.json"
    path.write_text(json.dumps(metadata))
    return path


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(arm: Arm, args) -> None:
    arm.port = free_port()
    log = open(args.workdir / f"{arm.name}-{arm.workers}.log", "w")  # noqa: SIM115
    arm.process = subprocess.Popen(
        arm.command(args),
        cwd=ROOT,
        env=arm.env(args),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if arm.process.poll() is not None:
            arm.error = f"exited with {arm.process.returncode}; see {log.name}"
            return
        try:
            arm.page(arm.url())
            return
        except (OSError, ValueError, KeyError) as error:
            last = error
            time.sleep(0.3)
    arm.error = f"did not answer the headline page within 60s: {last}"
    stop(arm)


def stop(arm: Arm) -> None:
    if arm.process and arm.process.poll() is None:
        os.killpg(arm.process.pid, signal.SIGTERM)
        try:
            arm.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(arm.process.pid, signal.SIGKILL)
            arm.process.wait()


# --- load ----------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Measurement:
    """Throughput and latency percentiles from `wrk --latency` output."""
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+(?:us|ms|s))\s*$", output, re.M))
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket = re.search(r"Socket errors: connect (\d+), read \d+, write \d+, timeout (\d+)", output)
    errors += int(socket.group(1)) + int(socket.group(2)) if socket else 0
    return Measurement(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_ms(percentiles["50"]),
        p99_ms=_ms(percentiles["99"]),
        requests=int(re.search(r"(\d+) requests in", output).group(1)),
        errors=errors,
    )


def wrk(url: str, args, *, connections: int, headers=(), script=None, env=None) -> str:
    """wrk's output for `url`, driven for --duration seconds (or until `script` stops it)."""
    command = ["wrk", "--threads", "1", "--connections", str(connections)]
    command += ["--duration", f"{args.duration}s", "--timeout", "60s", "--latency"]
    for header in headers:
        command += ["--header", header]
    if script:
        command += ["--script", str(script)]
    done = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        timeout=args.duration + 60,
        env={**os.environ, **(env or {})},
    )
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()}")
    return done.stdout


def load(target: Target, args, connections: int) -> Measurement:
    if target.sql:
        return sql_loop(target, args)
    return parse_wrk(wrk(target.url, args, connections=connections, headers=target.headers))


def sql_loop(target: Target, args) -> Measurement:
    """Run `target.sql` one statement after another for --duration seconds over one
    connection (a prepared statement, as a tuned client would), timing each."""
    timings = []
    with psycopg.connect(target.database_url, autocommit=True, prepare_threshold=0) as conn:
        conn.execute(target.sql, {"country": COUNTRY}).fetchall()  # prepare and warm
        deadline = time.perf_counter() + args.duration
        while (now := time.perf_counter()) < deadline:
            conn.execute(target.sql, {"country": COUNTRY}).fetchall()
            timings.append((time.perf_counter() - now) * 1000)
    timings.sort()
    return Measurement(
        rps=len(timings) / args.duration,
        p50_ms=timings[len(timings) // 2],
        p99_ms=timings[min(len(timings) - 1, int(len(timings) * 0.99))],
        requests=len(timings),
        errors=0,
    )


# The stats of `claims/stats/?country=…` in one hand-written statement: the claims concerning
# the country found once (the (country, claim) index), then counted three ways.
STATS_SQL = """
WITH ids AS MATERIALIZED (
    SELECT DISTINCT claim_id AS id FROM claims_claimcountry WHERE country = %(country)s
), picked AS MATERIALIZED (
    SELECT c.status, c.kind FROM claims_claim c JOIN ids USING (id)
)
SELECT 'by_status', status, count(*) FROM picked GROUP BY status
UNION ALL
SELECT 'by_kind', kind, count(*) FROM picked GROUP BY kind
UNION ALL
SELECT 'by_country', cc.country, count(DISTINCT cc.claim_id)
FROM claims_claimcountry cc JOIN ids ON ids.id = cc.claim_id GROUP BY cc.country
"""


def stats_from_sql(database_url: str) -> dict:
    """What `claims/stats/?country=COUNTRY` should answer, from STATS_SQL."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(STATS_SQL, {"country": COUNTRY}).fetchall()
    body: dict = {"by_status": {}, "by_kind": {}, "by_country": {}}
    for part, key, n in rows:
        body[part][key] = n
    body["total"] = sum(body["by_status"].values())
    return body


def explain_search(database_url: str, term: str) -> str:
    """EXPLAIN ANALYZE of the API's search query shape: the plan must use the GIN index."""
    sql = (
        "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
        "SELECT id, ts_rank(search_vector, websearch_to_tsquery('english', %s)) AS rank "
        "FROM claims_claim WHERE search_vector @@ websearch_to_tsquery('english', %s) "
        "ORDER BY rank DESC, id DESC LIMIT 51"
    )
    with psycopg.connect(database_url) as conn:
        return "\n".join(row[0] for row in conn.execute(sql, [term, term]).fetchall())


def search_matches(database_url: str, term: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM claims_claim "
            "WHERE search_vector @@ websearch_to_tsquery('english', %s)",
            [term],
        ).fetchone()[0]


def vacuum(database_url: str) -> None:
    """VACUUM ANALYZE the claims tables, as autovacuum would some time after a bulk load:
    it also merges the GIN index's pending list, which otherwise every search scans."""
    tables = (
        "claims_claim, claims_claimactor, claims_claimcountry, claims_citation, claims_claimtally"
    )
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"VACUUM (ANALYZE) {tables}")


def admin_session(arm: Arm, args) -> str:
    """A logged-in superuser's session key on `arm`'s database (created as Django would)."""
    script = (
        "import django, secrets; django.setup()\n"
        "from importlib import import_module\n"
        "from django.conf import settings\n"
        "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
        "from django.contrib.auth import get_user_model\n"
        "user, _ = get_user_model().objects.get_or_create(username='bench-admin')\n"
        "user.is_staff = user.is_superuser = True\n"
        "user.set_password(secrets.token_urlsafe()); user.save()\n"
        "session = import_module(settings.SESSION_ENGINE).SessionStore()\n"
        "session[SESSION_KEY] = str(user.pk)\n"
        "session[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
        "session[HASH_SESSION_KEY] = user.get_session_auth_hash()\n"
        "session.create(); print(session.session_key)\n"
    )
    env = {**arm.env(args), "DJANGO_SETTINGS_MODULE": "claimtrack.settings"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"could not log in to the admin: {done.stderr.strip()[-500:]}")
    return done.stdout.strip().splitlines()[-1]


def worker_pids(arm: Arm) -> list[int]:
    children = Path(f"/proc/{arm.process.pid}/task/{arm.process.pid}/children")
    return [int(pid) for pid in children.read_text().split()]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


# A wrk script: each connection asks for the paths in WRK_PATHS in turn.
ROTATE_LUA = """
local paths, i = {}, 0
for p in string.gmatch(os.getenv("WRK_PATHS"), "[^ ]+") do paths[#paths + 1] = p end
function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def worker_memory(arm: Arm, args, paths: list[str], checkpoints: list[int]) -> dict:
    """The worker's RSS (MB) once it has answered at least each number of requests in
    `checkpoints` (wrk runs in 5-second slices until the count is reached)."""
    script = args.workdir / "rotate.lua"
    script.write_text(ROTATE_LUA)
    (pid,) = worker_pids(arm)
    done, found = 0, {}
    for checkpoint in checkpoints:
        while done < checkpoint:
            output = wrk(
                arm.at("/"),
                argparse.Namespace(duration=5),
                connections=args.connections,
                script=script,
                env={"WRK_PATHS": " ".join(paths)},
            )
            done += int(re.search(r"(\d+) requests in", output).group(1))
        found[checkpoint] = {"requests": done, "rss_mb": rss_mb(pid)}
        if worker_pids(arm) != [pid]:
            raise RuntimeError("the worker was replaced during the memory scenario")
    return found


# --- data ----------------------------------------------------------------------------------


GENERATIONS = ROOT / "bench/generation.json"


def ensure_database(database_url: str) -> None:
    """Create the database of `database_url` if it does not exist, and migrate it."""
    parts = urllib.parse.urlsplit(database_url)
    name = parts.path.lstrip("/")
    maintenance = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def claim_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM claims_claim").fetchone()[0]


def generated(database_url: str, claims: int, args) -> dict | None:
    """Generate `claims` claims into the database (unless --reuse finds exactly that many);
    the generation's record (time, peak RSS), from this run or from bench/generation.json."""
    ensure_database(database_url)
    records = json.loads(GENERATIONS.read_text()) if GENERATIONS.exists() else {}
    key = f"{urllib.parse.urlsplit(database_url).path.lstrip('/')}/{claims}"
    if args.reuse and claim_count(database_url) == claims:
        return records.get(key)
    record = generate(database_url, claims, args)
    if not args.smoke:
        records[key] = {k: v for k, v in record.items() if k != "output"}
        GENERATIONS.write_text(json.dumps(records, indent=2) + "\n")
    return record


def generate(database_url: str, claims: int, args) -> dict:
    """Run generate_data (with --reset) and return its wall time and peak RSS."""
    command = [
        sys.executable,
        "-m",
        "bench.generate",
        "--claims",
        str(claims),
        "--seed",
        str(args.seed),
        "--reset",
        "--no-input",
        "--quiet",
    ]
    # bench.generate runs without a statement timeout itself.
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"}
    timed = ["/usr/bin/time", "-v", *command] if Path("/usr/bin/time").exists() else command
    started = time.monotonic()
    done = subprocess.run(timed, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"generate_data failed:\n{done.stdout}\n{done.stderr}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return {
        "command": " ".join(command[1:]),
        "claims": claims,
        "seconds": elapsed,
        "peak_rss_mb": int(rss.group(1)) / 1024 if rss else None,
        "load_average": os.getloadavg(),
        "output": done.stdout.strip(),
    }


def state_positions(database_url: str) -> dict:
    """A topic with positions stated by generated claims (bench/positions.py), for the topic
    map and country pages; what it stated."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.positions"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "DJANGO_DEBUG": "1"},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"bench.positions failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def data_facts(database_url: str) -> dict:
    tables = (
        "claims_claim",
        "claims_claimactor",
        "claims_claimcountry",
        "claims_citation",
        "claims_actor",
        "claims_event",
        "sources_source",
        "sources_publisher",
    )
    with psycopg.connect(database_url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}
        concerning = conn.execute(
            "SELECT count(DISTINCT claim_id) FROM claims_claimcountry WHERE country = %s",
            [COUNTRY],
        ).fetchone()[0]
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        version = conn.execute("SHOW server_version").fetchone()[0]
        return {
            "counts": counts,
            "concerning": concerning,
            "size": size.fetchone()[0],
            "postgres": version,
        }


def expected_ids(database_url: str, before: int = MAX_ID, pages: int = 1) -> list[int]:
    """The oracle: ids of claims concerning COUNTRY below `before`, newest first."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT DISTINCT claim_id FROM claims_claimcountry "
            "WHERE country = %s AND claim_id < %s ORDER BY claim_id DESC LIMIT %s",
            [COUNTRY, before, PAGE_SIZE * pages],
        ).fetchall()
    return [row[0] for row in rows]


def deep_cursor(database_url: str) -> int:
    """The `before` id of the page DEEP_PAGES pages in (or as deep as the data goes)."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT claim_id FROM (SELECT DISTINCT claim_id FROM claims_claimcountry "
            "WHERE country = %s) c ORDER BY claim_id DESC OFFSET %s LIMIT 1",
            [COUNTRY, PAGE_SIZE * DEEP_PAGES - 1],
        ).fetchone()
        if row is None:  # a small data set: the last full page
            ids = expected_ids(database_url, pages=10**9)
            return ids[max(0, len(ids) - PAGE_SIZE - 1)] if len(ids) > PAGE_SIZE else MAX_ID
        return row[0]


def export(args) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "-m", "bench.datasette.export", args.database_url, str(args.sqlite)],
        cwd=ROOT,
        check=True,
    )
    return time.monotonic() - started


# --- checks --------------------------------------------------------------------------------


def _comparable(row: dict) -> dict:
    row = dict(row)
    row["url"] = urllib.parse.urlsplit(row["url"]).path
    return row


def check_same_rows(arms: list[Arm], args, pages: int = 3) -> list[str]:
    """Every arm answers the oracle's ids over `pages` pages; the APIs answer the same objects."""
    problems = []
    want = expected_ids(args.database_url, pages=pages)
    seen: dict[str, list[dict]] = {}
    for arm in arms:
        rows, url = [], arm.url()
        for _ in range(pages):
            if not url:
                break
            page, url = arm.page(url)
            rows += page
        ids = [row["id"] for row in rows]
        if ids != want:
            problems.append(f"{arm.label}: ids {ids[:5]}… differ from the expected {want[:5]}…")
        seen[arm.kind] = [_comparable(row) for row in rows]
    reference = seen.get("floor")
    for kind, rows in seen.items():
        if reference is None or kind == "floor":
            continue
        if kind == "datasette":
            # Same rows and nested data; Datasette returns its columns, the API its fields.
            rows = [{k: row[k] for k in reference[0]} for row in rows] if reference else rows
        if rows != reference:
            first = next(
                (i for i, (a, b) in enumerate(zip(rows, reference, strict=False)) if a != b), None
            )
            problems.append(f"{kind}: representation differs from the floor's at row {first}")
    return problems


# --- report --------------------------------------------------------------------------------


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summary(scenario: Scenario) -> dict[str, Measurement]:
    return {
        label: Measurement(
            rps=_median([m.rps for m in ms]),
            p50_ms=_median([m.p50_ms for m in ms]),
            p99_ms=_median([m.p99_ms for m in ms]),
            requests=sum(m.requests for m in ms),
            errors=sum(m.errors for m in ms),
        )
        for label, ms in scenario.results.items()
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    found = {"python": platform.python_version()}
    for package in (
        "django",
        "djangorestframework",
        "psycopg",
        "gunicorn",
        "orjson",
        "datasette",
        "sqlite-utils",
    ):
        try:
            found[package] = version(package)
        except Exception:
            found[package] = "not installed"
    import sqlite3

    found["sqlite"] = sqlite3.sqlite_version
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True)
    found["wrk"] = (wrk.stdout or wrk.stderr).split(" [")[0].removeprefix("wrk ").strip()
    return found


def machine() -> str:
    cpu = "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        cpu = match.group(1) if match else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo.read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.1f} GiB RAM"
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} × {cpu}{memory}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b else "n/a"


# Labels of the targets, which ratios() reads.
FIRST, DEEP = "first page", f"page {DEEP_PAGES:,} deep"
SEARCH = "claimtrack q= search, broad"
SEARCH_NARROW = "claimtrack q= search, narrow"
STATS, STATS_SQL_LABEL = (
    f"claimtrack stats/?country={COUNTRY}",
    f"the aggregate of stats/?country={COUNTRY}, SQL via psycopg",
)
CACHED = "claimtrack cached (1w)"
# P5': the stats under filters the running totals answer, and two they do not.
STATS_QUERIES = [
    ("claimtrack stats/, no filter", ""),
    (STATS, f"country={COUNTRY}"),
    (f"claimtrack stats/?country={COUNTRY}&status=false,misleading",
     f"country={COUNTRY}&status=false,misleading"),
    ("claimtrack stats/?country=US&kind=meeting", "country=US&kind=meeting"),
    ("claimtrack stats/?status=confirmed", "status=confirmed"),
    (f"claimtrack stats/?country={COUNTRY}&q=fisheries (counted)",
     f"country={COUNTRY}&q=fisheries"),
    (f"claimtrack stats/?country={COUNTRY},DZ (counted)", f"country={COUNTRY},DZ"),
]  # fmt: skip
TARGETS = {
    "P1": "≥ 0.6×",
    "P1 latency": "≤ 1.6×",
    "P2": "≥ 0.6×",
    "P2 cached": "≥ 1.5×",
    "P3": "≤ 1.5×",
    "P4": "≤ 3×",
    "P5'": "≤ 50 ms",
    "P6": "≥ 1.6×",
    "P7": "≤ 1.1×",
    "P8": "≥ 0.1×",
    "P9": "≤ 2×",
    "P10": "≤ 1.5×",
    "P11": "≤ 2×",
    "P12": "≤ 2×",
    "P13": "≤ 100 ms",
}
# Labels of the public pages' targets (issue 17), which ratios() reads.
CLAIM_READ, CLAIM_PAGE = "API claim read /api/v1/claims/{id}/", "claim page /claims/{id}/"
COUNTRY_PAGE = f"country page /countries/{COUNTRY}/"
TOPIC_PAGE = "topic map page /topics/{slug}/"


def met(number: str, value: float) -> str:
    target = TARGETS[number]
    bound = float(target.split()[1].rstrip("×"))  # a ratio, or milliseconds ("≤ 100 ms")
    ok = value >= bound if target.startswith("≥") else value <= bound
    return "met" if ok else "**missed**"


def ratios(scenarios: list[Scenario], extra: dict) -> list[tuple[str, str, str, str, str]]:
    """(#, what, measured, target, met) for every target measured in this run."""
    found: dict[str, Measurement] = {}
    for scenario in scenarios:
        for label, m in summary(scenario).items():
            found[f"{scenario.name}|{label}"] = m

    def get(scenario: str, label: str) -> Measurement | None:
        return found.get(f"{scenario}|{label}")

    rows = []

    def add(number, what, a, b, attribute):
        if a and b and getattr(b, attribute):
            value = getattr(a, attribute) / getattr(b, attribute)
            rows.append((number, what, f"{value:.2f}×", TARGETS[number], met(number, value)))

    one, two, lat = ONE_PROCESS, TWO_WORKERS, ONE_AT_A_TIME
    add("P1", "claimtrack / floor throughput, one process each",
        get(one, "claimtrack (1w)"), get(one, "floor (1w)"), "rps")  # fmt: skip
    add("P1 latency", "claimtrack / floor first page, one request at a time, p50",
        get(lat, f"claimtrack {FIRST}"), get(lat, f"floor {FIRST}"), "p50_ms")  # fmt: skip
    add("P2", "claimtrack (response cache off) / Datasette throughput, one process each",
        get(one, "claimtrack (1w)"), get(one, "datasette"), "rps")  # fmt: skip
    add("P2 cached", "claimtrack with its response cache / Datasette throughput, one process each",
        get(one, CACHED), get(one, "datasette"), "rps")  # fmt: skip
    add("P3", "claimtrack page 1,000 deep / first page, p50",
        get(lat, f"claimtrack {DEEP}"), get(lat, f"claimtrack {FIRST}"), "p50_ms")  # fmt: skip
    add("P4", f"claimtrack q={extra.get('search')} (broad) / country filter, p50",
        get(lat, SEARCH), get(lat, f"claimtrack {FIRST}"), "p50_ms")  # fmt: skip
    add("P4", f"claimtrack q={extra.get('search_narrow')} (narrow) / country filter, p50",
        get(lat, SEARCH_NARROW), get(lat, f"claimtrack {FIRST}"), "p50_ms")  # fmt: skip
    for label, _query in STATS_QUERIES:
        answer = get(STATS_SCENARIO, label)
        if answer:
            rows.append(("P5'", f"{label}, p50", f"{answer.p50_ms:.1f} ms", TARGETS["P5'"],
                         met("P5'", answer.p50_ms)))  # fmt: skip
    add("P6", "claimtrack throughput, 2 workers / 1 worker",
        get(two, "claimtrack (2w)"), get(one, "claimtrack (1w)"), "rps")  # fmt: skip
    memory = extra.get("memory")
    if memory:
        small, large = memory[min(memory)], memory[max(memory)]
        value = large["rss_mb"] / small["rss_mb"]
        rows.append((
            "P7", f"worker RSS after {large['requests']:,} / after {small['requests']:,} requests",
            f"{value:.2f}×", TARGETS["P7"], met("P7", value),
        ))  # fmt: skip
    imports = extra.get("imports")
    if imports:
        rate = _median([r["rate"] for r in imports["import_claims"]])
        copy = _median([r["rate"] for r in imports["COPY"]])
        rows.append((
            "P8", "import_claims (JSON Lines, with history) / COPY of the same rows, claims/s",
            f"{rate / copy:.2f}×", TARGETS["P8"], met("P8", rate / copy),
        ))  # fmt: skip
    scale = SCALE_SCENARIO
    add("P9", f"admin claims changelist at {extra.get('large', 'N')} / at "
        f"{extra.get('small', '10k')}, p50", get(scale, "admin changelist, large"),
        get(scale, "admin changelist, small"), "p50_ms")  # fmt: skip
    add("P10", f"list (country={COUNTRY}) at {extra.get('large', 'N')} / at "
        f"{extra.get('small', '10k')}, p50", get(scale, "claimtrack list, large"),
        get(scale, "claimtrack list, small"), "p50_ms")  # fmt: skip
    pages = PAGES_SCENARIO
    add("P11", "claim page / the API's read of the same claim, p50",
        get(pages, CLAIM_PAGE), get(pages, CLAIM_READ), "p50_ms")  # fmt: skip
    add("P12", f"country page ({COUNTRY}) / the API's claim read, p50",
        get(pages, COUNTRY_PAGE), get(pages, CLAIM_READ), "p50_ms")  # fmt: skip
    topic_map = get(pages, TOPIC_PAGE)
    if topic_map:
        rows.append((
            "P13", f"topic map page, p50 ({extra.get('positions', {}).get('stated', '?')} "
            "positions stated)", f"{topic_map.p50_ms:.1f} ms", TARGETS["P13"],
            met("P13", topic_map.p50_ms),
        ))  # fmt: skip
    # For reference: what the rivals reach on the same scenarios.
    for what, a, b, attribute in (
        ("floor / Datasette throughput, one process each",
         get(one, "floor (1w)"), get(one, "datasette"), "rps"),
        ("floor 2 workers / 1 worker throughput",
         get(two, "floor (2w)"), get(one, "floor (1w)"), "rps"),
        (f"floor {DEEP} / {FIRST}, p50", get(lat, f"floor {DEEP}"), get(lat, f"floor {FIRST}"),
         "p50_ms"),
        (f"datasette {DEEP} / {FIRST}, p50", get(lat, f"datasette {DEEP}"),
         get(lat, f"datasette {FIRST}"), "p50_ms"),
    ):  # fmt: skip
        if a and b and getattr(b, attribute):
            rows.append(("—", what, f"{getattr(a, attribute) / getattr(b, attribute):.2f}×",
                         "reference", ""))  # fmt: skip
    return rows


def _load_line() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def write_report(path: Path, args, facts, extra, scenarios, problems, unavailable, command):
    lines = ["# Benchmark results", ""]
    lines += [
        f"Written by `bench/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Absolute numbers on a shared machine are noise; read the ratios, measured side by "
        "side in one run, rounds interleaved.",
        "",
        "## Set-up",
        "",
        f"- Machine: {machine()}",
        f"- Load average (1, 5, 15 min; the machine is shared): {extra['load_before']} at the "
        f"start, {extra['load_after']} at the end; per round: {'; '.join(extra['load_rounds'])}",
        f"- Command: `{command}`; parts run: {', '.join(sorted(args.only))}",
        f"- Load: wrk, 1 thread; throughput scenarios {args.connections} connections, latency "
        f"scenarios 1 connection (one request at a time); {args.duration}s per target per "
        f"round, {args.rounds} round(s), order rotating each round; the median round is shown.",
        f"- Gunicorn (floor and claimtrack): `{' '.join(GUNICORN)}` plus gunicorn.conf.py "
        "(max_requests 5000 ± 500, access log on)",
        "- claimtrack: production settings (`DJANGO_DEBUG=0`, `DATABASE_CONN_MAX_AGE=600`), "
        "throttling raised; cache: "
        + (f"Redis (`REDIS_URL={args.redis_url}`)" if args.redis_url else "the database's table"),
        "- Datasette: `datasette serve -i` (immutable) with the canned query `by_country` "
        "(bench/datasette/metadata.json)",
        "- Versions: "
        + ", ".join(f"{k} {v}" for k, v in versions().items())
        + f", PostgreSQL {facts['postgres']}",
    ]
    counts = facts["counts"]
    claims = counts["claims_claim"] or 1
    lines += [
        "",
        "## Data",
        "",
        f"{claims:,} claims ({facts['size']} database); per claim "
        f"{counts['claims_claimactor'] / claims:.2f} participants, "
        f"{counts['claims_claimcountry'] / claims:.2f} countries, "
        f"{counts['claims_citation'] / claims:.2f} citations; "
        f"{counts['claims_actor']:,} actors, {counts['claims_event']:,} events, "
        f"{counts['sources_source']:,} sources, {counts['sources_publisher']:,} publishers. "
        f"{facts['concerning']:,} claims concern {COUNTRY}.",
    ]
    for which, record in extra.get("generations", {}).items():
        if not record:
            lines += ["", f"{which}: generated earlier, no record in bench/generation.json."]
            continue
        rss = record.get("peak_rss_mb")
        lines += [
            "",
            f"{which}: `{record['command']}` took {record['seconds']:.0f}s "
            f"({record['claims'] / record['seconds']:,.0f} claims/s)"
            + (f", peak RSS {rss:.0f} MB" if rss else "")
            + (
                f", load average {record['load_average'][0]:.1f} at the end"
                if record.get("load_average")
                else ""
            )
            + "."
            + (f" {record['note']}." if record.get("note") else ""),
        ]
    if extra.get("export_seconds") is not None:
        size = args.sqlite.stat().st_size / 2**20 if args.sqlite.exists() else 0
        lines += [
            "",
            f"Exported to SQLite for Datasette in {extra['export_seconds']:.1f}s ({size:,.0f} MB).",
        ]
    lines += ["", "## Ratios", "", "| # | what | measured | target | |", "|---|---|---:|---|---|"]
    lines += [f"| {' | '.join(r)} |" for r in ratios(scenarios, extra)]
    lines += ["", "## Scenarios", ""]
    for scenario in scenarios:
        lines += [
            f"### {scenario.name}",
            "",
            "| target | req/s | p50 ms | p99 ms | requests | errors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, m in summary(scenario).items():
            lines.append(
                f"| {label} | {m.rps:,.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
                f"{m.requests:,} | {m.errors} |"
            )
        lines.append("")
    if extra.get("search"):
        matches = extra["search_matches"]
        lines += [
            f"P4 asks `q={extra['search']}` ({matches[extra['search']]:,} matching claims) and "
            f"`q={extra['search_narrow']}` ({matches[extra['search_narrow']]:,}), ranked. The "
            "broad one's plan (EXPLAIN ANALYZE of the API's query shape):",
            "",
            "```",
            extra["explain"],
            "```",
            "",
        ]
    if extra.get("memory"):
        lines += [
            "### Worker memory (P7)",
            "",
            "One claimtrack worker, `--max-requests 0`, 8 connections, requests rotating over "
            "first pages, deep pages, a narrow search, another filter and single claims:",
            "",
            "| after requests | worker RSS MB |",
            "|---:|---:|",
        ]
        lines += [f"| {m['requests']:,} | {m['rss_mb']:.1f} |" for m in extra["memory"].values()]
        lines.append("")
    if extra.get("imports"):
        lines += [
            "### Bulk import vs COPY (P8)",
            "",
            f"The same {extra['import_claims']:,} claims, per round (bench/imports.py):",
            "",
            "| arm | claims/s per round | seconds per round |",
            "|---|---|---|",
        ]
        for arm, results in extra["imports"].items():
            rates = ", ".join(f"{r['rate']:,.0f}" for r in results)
            seconds = ", ".join(f"{r['seconds']:.2f}" for r in results)
            lines.append(f"| {arm} | {rates} | {seconds} |")
        lines.append("")
    if unavailable or extra.get("skipped"):
        lines += ["## Not measured", ""]
        lines += [f"- arm {label}: {error}" for label, error in unavailable.items()]
        lines += [f"- {why}" for why in extra.get("skipped", [])]
        lines.append("")
    if problems:
        lines += ["## Problems", ""] + [f"- {p}" for p in problems] + [""]
    analysis = ROOT / "bench/ANALYSIS.md"
    if analysis.exists() and not args.smoke:
        # What the profiles of the misses showed, written by a person, kept with the numbers.
        lines += [analysis.read_text()]
    path.write_text("\n".join(lines))


# --- main ----------------------------------------------------------------------------------

ONE_PROCESS = "Headline read, one process each, 8 connections"
TWO_WORKERS = "Headline read, 2 workers each, 8 connections"
ONE_AT_A_TIME = "Latency, one request at a time (1 connection, one process each)"
STATS_SCENARIO = "Stats vs the raw aggregate, one request at a time"
SCALE_SCENARIO = "Small vs large data set, one request at a time"
PAGES_SCENARIO = "Public pages vs the API's claim read, one request at a time"
# The parts --only chooses from: each scenario's, and the two measured apart.
PARTS = {
    ONE_PROCESS: "headline",
    TWO_WORKERS: "headline",
    ONE_AT_A_TIME: "latency",
    STATS_SCENARIO: "stats",
    SCALE_SCENARIO: "scale",
    PAGES_SCENARIO: "pages",
    "memory": "memory",
    "imports": "imports",
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="claimtrack benchmark suite (bench/README.md)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument(
        "--small-database-url",
        help="A second database with --small-claims claims, for P9/P10 (10k vs N).",
    )
    parser.add_argument("--small-claims", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--generate",
        action="store_true",
        help="Reset the database(s) and generate --claims (--small-claims) claims first.",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="With --generate: keep a database that already holds exactly that many claims.",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("REDIS_URL", ""),
        help="The claimtrack arm's cache, as in production (REDIS_URL); empty: the database.",
    )
    parser.add_argument("--arms", default="floor,datasette,claimtrack")
    parser.add_argument("--duration", type=int, default=10, help="Seconds per target per round.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="Workers for the multi-worker runs.")
    parser.add_argument("--search", default="fisheries", help="P4's broad q= (~4.5%% match).")
    parser.add_argument(
        "--search-narrow", default="Dakhla fisheries", help="P4's narrow q= (~0.1%% match)."
    )
    parser.add_argument("--memory-requests", type=int, default=20_000, help="P7's long run.")
    parser.add_argument("--import-claims", type=int, default=20_000, help="P8's claims.")
    parser.add_argument("--sqlite", type=Path, default=ROOT / "bench/datasette/claims.db")
    parser.add_argument(
        "--reuse-export",
        action="store_true",
        help="Serve the existing SQLite file instead of exporting again.",
    )
    parser.add_argument(
        "--wait-quiet",
        type=int,
        default=0,
        metavar="SECONDS",
        help="First wait up to this long for the 1-minute load average to drop below 2.",
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="NAMES",
        help="Run only these parts, comma-separated: headline, latency, stats, scale, pages, "
        "memory (P7), imports (P8). Default: all.",
    )
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="Small data, short runs; fail unless every arm answers the same rows.",
    )
    args = parser.parse_args(argv)
    parts = set(PARTS.values())
    args.only = {name.strip() for name in args.only.split(",") if name.strip()} or parts
    if args.only - parts:
        parser.error(f"--only: no part named {', '.join(sorted(args.only - parts))}")
    for url in (args.database_url, args.small_database_url):
        if url is not None and not url.startswith(("postgres://", "postgresql://")):
            parser.error("give PostgreSQL database URLs (--database-url or DATABASE_URL)")
    if not args.database_url:
        parser.error("give a PostgreSQL --database-url (or DATABASE_URL)")
    if args.smoke:
        args.claims = min(args.claims, 3000)
        args.duration, args.rounds, args.generate, args.reuse = 1, 1, True, False
        args.small_database_url = None
        args.memory_requests, args.import_claims = 400, 200
    args.output = args.output or ROOT / ("bench/SMOKE.md" if args.smoke else "bench/RESULTS.md")
    args.workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"claimtrack-bench-{os.getpid()}"
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.smoke:
        args.sqlite = args.workdir / "claims.db"
    return args


def wait_quiet(seconds: int) -> None:
    deadline = time.monotonic() + seconds
    while os.getloadavg()[0] >= 2 and time.monotonic() < deadline:
        print(f"waiting for a quieter machine: load {_load_line()}", file=sys.stderr)
        time.sleep(30)


def _size(claims: int) -> str:
    return f"{claims // 1_000_000}M" if claims >= 1_000_000 else f"{claims // 1000}k"


def build_scenarios(args, by_label: dict[str, Arm], sessions: dict[str, str]) -> list[Scenario]:
    """The scenarios over the arms that started (a missing arm drops its targets)."""
    before = deep_cursor(args.database_url)

    def page(label: str, name: str, at: int = MAX_ID) -> list[Target]:
        arm = by_label.get(label)
        return [Target(name, arm.url(at))] if arm else []

    ct = by_label.get("claimtrack (1w)")
    scenarios = [
        Scenario(
            ONE_PROCESS,
            page("floor (1w)", "floor (1w)")
            + page("claimtrack (1w)", "claimtrack (1w)")
            + page("claimtrack-cached (1w)", CACHED)
            + page("datasette", "datasette"),
            args.connections,
        )
    ]
    if not args.smoke:
        scenarios.append(
            Scenario(
                TWO_WORKERS,
                page(f"floor ({args.workers}w)", "floor (2w)")
                + page(f"claimtrack ({args.workers}w)", "claimtrack (2w)"),
                args.connections,
            )
        )
    latency = []
    for label, name in (("claimtrack (1w)", "claimtrack"), ("floor (1w)", "floor"),
                        ("datasette", "datasette")):  # fmt: skip
        latency += page(label, f"{name} {FIRST}") + page(label, f"{name} {DEEP}", before)
        if name == "claimtrack" and ct:
            for label, term in ((SEARCH, args.search), (SEARCH_NARROW, args.search_narrow)):
                query = urllib.parse.urlencode({"q": term, "page_size": PAGE_SIZE})
                latency.append(Target(label, ct.at(f"/api/v1/claims/?{query}")))
    scenarios.append(Scenario(ONE_AT_A_TIME, latency, 1))
    if ct:
        scenarios.append(
            Scenario(
                STATS_SCENARIO,
                [
                    *(
                        Target(label, ct.at(f"/api/v1/claims/stats/?{query}"))
                        for label, query in STATS_QUERIES
                    ),
                    Target(STATS_SQL_LABEL, sql=STATS_SQL, database_url=args.database_url),
                ],
                1,
            )
        )
    if ct and args.positions:
        claim = expected_ids(args.database_url)[0]
        scenarios.append(
            Scenario(
                PAGES_SCENARIO,
                [
                    Target(CLAIM_READ, ct.at(f"/api/v1/claims/{claim}/")),
                    Target(CLAIM_PAGE, ct.at(f"/claims/{claim}/")),
                    Target(COUNTRY_PAGE, ct.at(f"/countries/{COUNTRY}/")),
                    Target(TOPIC_PAGE, ct.at(f"/topics/{positions.SLUG}/?as_of=2024-01-01")),
                ],
                1,
            )
        )
    small = by_label.get("claimtrack@small (1w)")
    if ct and small and "scale" in args.only:
        admin = "/admin/claims/claim/"
        scenarios.append(
            Scenario(
                SCALE_SCENARIO,
                [
                    Target("claimtrack list, small", small.url()),
                    Target("claimtrack list, large", ct.url()),
                    Target(
                        "admin changelist, small",
                        small.at(admin),
                        [f"Cookie: sessionid={sessions['small']}"],
                    ),
                    Target(
                        "admin changelist, large",
                        ct.at(admin),
                        [f"Cookie: sessionid={sessions['large']}"],
                    ),
                ],
                1,
            )
        )
    return scenarios


def check_stats(ct: Arm, args) -> list[str]:
    """The stats endpoint and the SQL it is measured against give the same numbers."""
    with urllib.request.urlopen(ct.at(f"/api/v1/claims/stats/?country={COUNTRY}")) as answer:
        api = json.loads(answer.read())
    sql = stats_from_sql(args.database_url)
    return [] if api == sql else [f"stats differ: API {api} against SQL {sql}"]


def _get(url: str) -> tuple[dict, str]:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.loads(answer.read()), answer.headers.get("X-Cache", "")


def check_cache(arm: Arm, args) -> list[str]:
    """The cached arm answers a repeated read from its cache, and a write made behind its back
    (psycopg, as psql would) shows in the very next read; the write is then undone."""
    url = arm.url()
    _get(url)
    body, cache = _get(url)
    problems = [] if cache == "hit" else [f"{arm.label}: a repeated read was a {cache!r}"]
    claim = body["results"][0]
    changed = claim["statement"] + " (changed by the benchmark)"
    with psycopg.connect(args.database_url, autocommit=True) as conn:
        update = "UPDATE claims_claim SET statement = %s WHERE id = %s"
        conn.execute(update, [changed, claim["id"]])
        try:
            after, cache = _get(url)
        finally:
            conn.execute(update, [claim["statement"], claim["id"]])
    if after["results"][0]["statement"] != changed:
        problems.append(f"{arm.label}: a stale answer ({cache}) after a committed write")
    return problems


def check_admin(url: str, session: str) -> list[str]:
    request = urllib.request.Request(url, headers={"Cookie": f"sessionid={session}"})
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = answer.read().decode()
        if answer.status != 200 or "/admin/login/" in answer.url or "claim" not in body.lower():
            return [f"the admin changelist at {url} did not answer a logged-in page"]
    return []


def memory_paths(args, before: int) -> list[str]:
    """The pages P7 rotates over: first and deep pages, a search, another filter, single
    claims (not stats: at 1M one takes seconds, and P5 measures it)."""
    ids = expected_ids(args.database_url, pages=2)[:: PAGE_SIZE // 5] or [1]
    paths = [
        f"/api/v1/claims/?country={COUNTRY}&page_size={PAGE_SIZE}",
        f"/api/v1/claims/?country={COUNTRY}&page_size={PAGE_SIZE}&cursor={cursor_token(before)}",
        f"/api/v1/claims/?q={urllib.parse.quote(args.search_narrow)}",
        f"/api/v1/claims/?country=FR&status=confirmed&page_size={PAGE_SIZE}",
    ]
    return paths + [f"/api/v1/claims/{pk}/" for pk in ids]


def _exit_on_sigterm(signum, frame):
    # Stopping the runner stops its servers too (the `finally` blocks run).
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = parse_args(argv)
    command = "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    wanted = [name.strip() for name in args.arms.split(",") if name.strip()]
    extra: dict = {"generations": {}, "load_rounds": [], "skipped": []}
    for which, url, claims in (
        ("large", args.database_url, args.claims),
        ("small", args.small_database_url, args.small_claims),
    ):
        if url is None:
            continue
        record = generated(url, claims, args) if args.generate else None
        if not args.generate:
            ensure_database(url)
        extra["generations"][f"{_size(claims)} data set"] = record
        vacuum(url)
        extra[which] = _size(claim_count(url))
    args.positions = state_positions(args.database_url) if "pages" in args.only else None
    extra["positions"] = args.positions or {}
    if "datasette" in wanted and not (args.reuse_export and args.sqlite.exists()):
        extra["export_seconds"] = export(args)
    facts = data_facts(args.database_url)
    if args.wait_quiet:
        wait_quiet(args.wait_quiet)
    extra["load_before"] = _load_line()

    arms = []
    for kind in wanted:
        if kind == "datasette":
            arms.append(Arm("datasette", "datasette", 1, database=args.sqlite.stem))
        else:
            arms.append(Arm(kind, kind, 1))
            if kind == "claimtrack" and "headline" in args.only and args.redis_url:
                arms.append(Arm("claimtrack-cached", kind, 1, cached=True))
            if not args.smoke and "headline" in args.only:
                arms.append(Arm(kind, kind, args.workers))
    if "claimtrack" in wanted and args.small_database_url:
        arms.append(Arm("claimtrack@small", "claimtrack", 1, database_url=args.small_database_url))
    else:
        extra["skipped"].append("P9, P10: no --small-database-url (10k claims) given")
    unavailable, problems, scenarios = {}, [], []
    if "claimtrack" in wanted:
        # As a deployment does: production settings serve hashed static files (the admin's).
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=Arm("claimtrack", "claimtrack", 1).env(args),
            check=True,
        )
    try:
        for arm in arms:
            start(arm, args)
            if arm.error:
                unavailable[arm.label] = arm.error
                print(f"{arm.label}: unavailable: {arm.error}", file=sys.stderr)
        live = [arm for arm in arms if not arm.error]
        by_label = {arm.label: arm for arm in live}
        problems = check_same_rows(
            [a for a in live if a.workers == 1 and a.name != "claimtrack@small"], args
        )
        ct = by_label.get("claimtrack (1w)")
        if CACHED in by_label:
            problems += check_cache(by_label[CACHED], args)
        sessions = {}
        if ct and "stats" in args.only:
            problems += check_stats(ct, args)
        if ct and "scale" in args.only:
            sessions["large"] = admin_session(ct, args)
            problems += check_admin(ct.at("/admin/claims/claim/"), sessions["large"])
            small = by_label.get("claimtrack@small (1w)")
            if small:
                sessions["small"] = admin_session(small, args)
                problems += check_admin(small.at("/admin/claims/claim/"), sessions["small"])
        if ct and "latency" in args.only:
            extra["search"], extra["search_narrow"] = args.search, args.search_narrow
            extra["search_matches"] = {
                term: search_matches(args.database_url, term)
                for term in (args.search, args.search_narrow)
            }
            extra["explain"] = explain_search(args.database_url, args.search)
            # A few thousand rows are read faster without the index: checked at scale only.
            if not args.smoke and "claims_claim_search" not in extra["explain"]:
                problems.append("the search plan does not use the GIN index")
        for problem in problems:
            print(f"MISMATCH {problem}", file=sys.stderr)
        scenarios = [
            scenario
            for scenario in build_scenarios(args, by_label, sessions)
            if PARTS[scenario.name] in args.only
        ]
        for round_number in range(args.rounds):
            extra["load_rounds"].append(_load_line())
            for scenario in scenarios:
                # Rotate the order each round so no target always runs first (warm caches).
                shift = round_number % max(1, len(scenario.targets))
                for target in scenario.targets[shift:] + scenario.targets[:shift]:
                    m = load(target, args, scenario.connections)
                    scenario.results.setdefault(target.label, []).append(m)
                    print(
                        f"round {round_number + 1} {scenario.name} | {target.label}: "
                        f"{m.rps:,.1f} req/s p50 {m.p50_ms:.1f} ms p99 {m.p99_ms:.1f} ms"
                        + (f" ERRORS {m.errors}" if m.errors else ""),
                        file=sys.stderr,
                    )
                    if m.errors:
                        problems.append(f"{scenario.name} {target.label}: {m.errors} errors")
    finally:
        for arm in arms:
            stop(arm)

    if "claimtrack" in wanted and "memory" in args.only:
        # P7 on a fresh worker that is never recycled.
        arm = Arm("claimtrack-memory", "claimtrack", 1, extra=["--max-requests", "0"])
        start(arm, args)
        if arm.error:
            unavailable[arm.label] = arm.error
        else:
            try:
                paths = memory_paths(args, deep_cursor(args.database_url))
                first = min(1000, args.memory_requests // 4)
                extra["memory"] = worker_memory(arm, args, paths, [first, args.memory_requests])
                print(f"P7 worker memory: {extra['memory']}", file=sys.stderr)
            finally:
                stop(arm)
    if "claimtrack" in wanted and "imports" in args.only:
        # P8 last: it writes (and then removes) rows in the benchmark database.
        extra["import_claims"] = args.import_claims
        extra["imports"] = import_vs_copy(
            args.database_url, args.import_claims, 1 if args.smoke else 2, args.workdir, ROOT
        )
        print(f"P8 import vs COPY: {extra['imports']}", file=sys.stderr)
    extra["load_after"] = _load_line()
    write_report(args.output, args, facts, extra, scenarios, problems, unavailable, command)
    print(f"wrote {args.output}", file=sys.stderr)
    if args.smoke and (problems or unavailable):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
