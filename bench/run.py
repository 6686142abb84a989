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

# The scenarios of issue 7 this runner does not measure yet, and why.
NOT_YET = {
    "P4": "`q=` search vs the country filter: needs the claimtrack arm (the API's search).",
    "P5": "`claims/stats/?country=MA` vs the raw aggregate: needs the API's stats endpoint.",
    "P7": "worker RSS after 20,000 vs 1,000 requests: needs the claimtrack arm.",
    "P8": "bulk import vs COPY: needs the import command.",
    "P9": "admin changelist at 1M vs 10k: needs two data sets; run the suite twice.",
    "P10": "list latency at 1M vs 10k: needs two data sets; run the suite twice.",
}


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

    @property
    def label(self) -> str:
        return self.name if self.kind == "datasette" else f"{self.name} ({self.workers}w)"

    def command(self, args) -> list[str]:
        bind = ["--bind", f"{HOST}:{self.port}", "--workers", str(self.workers)]
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
        env = {**os.environ, "DATABASE_URL": args.database_url, "PYTHONPATH": str(ROOT)}
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
        return env

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
class Scenario:
    name: str
    arms: list[Arm]
    before: int = MAX_ID
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


def load(url: str, args) -> Measurement:
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(args.connections),
        "--duration",
        f"{args.duration}s",
        "--timeout",
        "10s",
        "--latency",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=args.duration + 60)
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr.strip()}")
    return parse_wrk(done.stdout)


# --- data ----------------------------------------------------------------------------------


def generate(args) -> dict:
    """Run generate_data (with --reset) and return its wall time and peak RSS."""
    command = [
        sys.executable,
        "manage.py",
        "generate_data",
        "--claims",
        str(args.claims),
        "--seed",
        str(args.seed),
        "--reset",
        "--no-input",
    ]
    env = {**os.environ, "DATABASE_URL": args.database_url, "DJANGO_DEBUG": "1"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    timed = ["/usr/bin/time", "-v", *command] if Path("/usr/bin/time").exists() else command
    started = time.monotonic()
    done = subprocess.run(timed, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"generate_data failed:\n{done.stdout}\n{done.stderr}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return {
        "command": " ".join(command[1:]),
        "seconds": elapsed,
        "peak_rss_mb": int(rss.group(1)) / 1024 if rss else None,
        "output": done.stdout.strip(),
    }


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


def write_report(
    path: Path, args, facts, generated, export_seconds, scenarios, problems, unavailable, command
) -> None:
    lines = ["# Benchmark results", ""]
    lines += [
        f"Written by `bench/run.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Absolute numbers on a shared machine are noise; read the ratios, measured side by "
        "side in one run, rounds interleaved.",
        "",
    ]
    lines += [
        "## Set-up",
        "",
        f"- Machine: {machine()}",
        f"- Command: `{command}`",
        f"- Load: wrk, 1 thread, {args.connections} connections, {args.duration}s per "
        f"arm per scenario, {args.rounds} round(s); the median round is shown.",
        f"- Gunicorn (floor and claimtrack): `{' '.join(GUNICORN)}`",
        "- Datasette: `datasette serve -i` (immutable) with the canned query `by_country` "
        "(bench/datasette/metadata.json)",
    ]
    lines.append(
        "- Versions: "
        + ", ".join(f"{k} {v}" for k, v in versions().items())
        + f", PostgreSQL {facts['postgres']}"
    )
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
    if generated:
        rss = generated["peak_rss_mb"]
        lines += [
            "",
            f"Generated with `{generated['command']}` in {generated['seconds']:.1f}s "
            f"({args.claims / generated['seconds']:,.0f} claims/s)"
            + (f", peak RSS {rss:.0f} MB." if rss else "."),
        ]
    if export_seconds is not None:
        size = args.sqlite.stat().st_size / 2**20 if args.sqlite.exists() else 0
        lines += [
            "",
            f"Exported to SQLite for Datasette in {export_seconds:.1f}s ({size:,.0f} MB).",
        ]
    lines += ["", "## Scenarios", ""]
    for scenario in scenarios:
        lines += [
            f"### {scenario.name}",
            "",
            "| arm | req/s | p50 ms | p99 ms | requests | errors |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for label, m in summary(scenario).items():
            lines.append(
                f"| {label} | {m.rps:,.1f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | "
                f"{m.requests:,} | {m.errors} |"
            )
        lines.append("")
    lines += ["## Ratios", "", "| # | what | measured | target |", "|---|---|---:|---|"]
    lines += [f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |" for r in ratios(scenarios)]
    lines += ["", "## Not measured yet", ""]
    lines += [f"- {name}: {why}" for name, why in NOT_YET.items()]
    lines += [f"- arm {label}: {error}" for label, error in unavailable.items()]
    if problems:
        lines += ["", "## Problems", ""] + [f"- {p}" for p in problems]
    path.write_text("\n".join(lines) + "\n")


def ratios(scenarios: list[Scenario]) -> list[tuple[str, str, str, str]]:
    by_name = {s.name: summary(s) for s in scenarios}
    one = by_name.get("Headline read, one process each", {})
    two = by_name.get("Headline read, 2 workers", {})
    deep = by_name.get(f"Page {DEEP_PAGES:,} deep (cursor), one process each", {})
    rows = []

    def get(table, label):
        return table.get(label)

    ct1, fl1, ds = get(one, "claimtrack (1w)"), get(one, "floor (1w)"), get(one, "datasette")
    ct2, fl2 = get(two, "claimtrack (2w)"), get(two, "floor (2w)")
    if ct2 and fl2:
        rows.append(
            (
                "P1",
                "claimtrack / floor throughput, 2 workers each",
                ratio(ct2.rps, fl2.rps),
                "≥ 0.5×",
            )
        )
    if ct1 and ds:
        rows.append(
            (
                "P2",
                "claimtrack / Datasette throughput, one process each",
                ratio(ct1.rps, ds.rps),
                "≥ 1.0×",
            )
        )
    for label, first in one.items():
        d = deep.get(label)
        if d and label.startswith("claimtrack"):
            rows.append(
                (
                    "P3",
                    "claimtrack deep page / first page, p50",
                    ratio(d.p50_ms, first.p50_ms),
                    "≤ 1.5×",
                )
            )
    if ct1 and ct2:
        rows.append(
            ("P6", "claimtrack 2 workers / 1 worker throughput", ratio(ct2.rps, ct1.rps), "≥ 1.6×")
        )
    # For reference: what the rivals reach on the same scenarios.
    if fl1 and ds:
        rows.append(
            (
                "—",
                "floor / Datasette throughput, one process each",
                ratio(fl1.rps, ds.rps),
                "reference",
            )
        )
    if fl1 and fl2:
        rows.append(
            ("—", "floor 2 workers / 1 worker throughput", ratio(fl2.rps, fl1.rps), "reference")
        )
    for label, first in one.items():
        d = deep.get(label)
        if d and not label.startswith("claimtrack"):
            rows.append(
                (
                    "—",
                    f"{label} deep page / first page, p50",
                    ratio(d.p50_ms, first.p50_ms),
                    "reference",
                )
            )
    return rows


# --- main ----------------------------------------------------------------------------------


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="claimtrack benchmark suite (bench/README.md)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--generate",
        action="store_true",
        help="Reset the database and generate --claims claims first.",
    )
    parser.add_argument("--arms", default="floor,datasette,claimtrack")
    parser.add_argument("--duration", type=int, default=20, help="Seconds per arm per scenario.")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="Workers for the multi-worker runs.")
    parser.add_argument("--sqlite", type=Path, default=ROOT / "bench/datasette/claims.db")
    parser.add_argument(
        "--reuse-export",
        action="store_true",
        help="Serve the existing SQLite file instead of exporting again.",
    )
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="Small data, short runs; fail unless every arm answers the same rows.",
    )
    args = parser.parse_args(argv)
    if not args.database_url or not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("give a PostgreSQL --database-url (or DATABASE_URL)")
    if args.smoke:
        args.claims = min(args.claims, 3000)
        args.duration, args.rounds, args.generate = 2, 1, True
    args.output = args.output or ROOT / ("bench/SMOKE.md" if args.smoke else "bench/RESULTS.md")
    args.workdir = Path(os.environ.get("TMPDIR", "/tmp")) / f"claimtrack-bench-{os.getpid()}"
    args.workdir.mkdir(parents=True, exist_ok=True)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    command = "python -m bench.run " + " ".join(sys.argv[1:] if argv is None else argv)
    if not shutil.which("wrk"):
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    wanted = [name.strip() for name in args.arms.split(",") if name.strip()]
    generated = generate(args) if args.generate else None
    if generated:
        print(generated["output"], file=sys.stderr)
    export_seconds = None
    if "datasette" in wanted and not (args.reuse_export and args.sqlite.exists()):
        export_seconds = export(args)
    facts = data_facts(args.database_url)

    arms = []
    for kind in wanted:
        if kind == "datasette":
            arms.append(Arm("datasette", "datasette", 1, database=args.sqlite.stem))
        else:
            arms += [Arm(kind, kind, 1)] + (
                [Arm(kind, kind, args.workers)] if not args.smoke else []
            )
    unavailable, problems = {}, []
    try:
        for arm in arms:
            start(arm, args)
            if arm.error:
                unavailable[arm.label] = arm.error
                print(f"{arm.label}: unavailable: {arm.error}", file=sys.stderr)
        live = [arm for arm in arms if not arm.error]
        singles = [arm for arm in live if arm.workers == 1]
        problems = check_same_rows(singles, args)
        for problem in problems:
            print(f"MISMATCH {problem}", file=sys.stderr)
        before = deep_cursor(args.database_url)
        scenarios = [
            Scenario("Headline read, one process each", singles),
            Scenario(f"Page {DEEP_PAGES:,} deep (cursor), one process each", singles, before),
        ]
        if not args.smoke:
            scenarios.insert(
                1, Scenario("Headline read, 2 workers", [a for a in live if a.workers > 1])
            )
        for round_number in range(args.rounds):
            for scenario in scenarios:
                # Rotate the order each round so no arm always runs first (warm caches).
                shift = round_number % max(1, len(scenario.arms))
                for arm in scenario.arms[shift:] + scenario.arms[:shift]:
                    m = load(arm.url(scenario.before), args)
                    scenario.results.setdefault(arm.label, []).append(m)
                    print(
                        f"round {round_number + 1} {scenario.name} {arm.label}: "
                        f"{m.rps:,.1f} req/s p50 {m.p50_ms:.1f} ms p99 {m.p99_ms:.1f} ms"
                        + (f" ERRORS {m.errors}" if m.errors else ""),
                        file=sys.stderr,
                    )
                    if m.errors:
                        problems.append(f"{scenario.name} {arm.label}: {m.errors} errors")
        write_report(
            args.output,
            args,
            facts,
            generated,
            export_seconds,
            scenarios,
            problems,
            unavailable,
            command,
        )
        print(f"wrote {args.output}", file=sys.stderr)
    finally:
        for arm in arms:
            stop(arm)
    if args.smoke and (problems or unavailable):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
