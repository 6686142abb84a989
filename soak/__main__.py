"""python -m soak: a bounded soak run (and fault run) against gunicorn on PostgreSQL.

    python -m soak --clients 32 --seconds 60                      # the full soak
    python -m soak --clients 8 --seconds 10                       # the short one in .ci/run
    python -m soak --clients 8 --seconds 24 --fault db-restart --fault kill-worker

The app runs under gunicorn (gunicorn.conf.py) on 127.0.0.1 with throttling off. The database is
a throwaway PostgreSQL cluster in a temporary directory (so a fault run restarts nothing that
others use), or `--database-url` for an existing, empty-or-not database (not with db-restart).
Prints the figures as JSON; exits 1 if any check failed.
"""

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

from soak.cluster import Cluster, free_port
from soak.run import Ledger, Prober, Worker
from soak.verify import verify

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RECOVERY_LIMIT = 10.0  # seconds from the database's return until everything answers again


def app_environment(database_url: str, port: int, workers: int, threads: int, logs: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CLAIMTRACK_"))}
    env.pop("DATABASE_REPLICA_URLS", None)
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="soak-" + secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        # Load, not abuse: throttling would answer 429 long before the server is busy.
        CLAIMTRACK_THROTTLE_ANON="1000000/second",
        CLAIMTRACK_THROTTLE_USER="1000000/second",
        CLAIMTRACK_THROTTLE_LOGIN="1000000/second",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS=str(workers),
        GUNICORN_THREADS=str(threads),
        GUNICORN_ACCESSLOG=str(logs / "access.log"),
        GUNICORN_LOGLEVEL="warning",
        # No worker recycling inside a run: a recycled worker is not a fault we injected.
        GUNICORN_MAX_REQUESTS="0",
    )
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def create_token(env: dict, username: str, role: str) -> str:
    output = manage(env, "create_user", username, "--role", role, "--api-only").splitlines()
    marker = next(i for i, line in enumerate(output) if "shown once" in line)
    return output[marker + 1].strip()


def wait_for(port: int, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the app did not answer {path} within {timeout:.0f} s")


def worker_pids(master: int) -> list[int]:
    """gunicorn's worker processes: the children of the master."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                found.append(int(entry.name))
    return sorted(found)


class Faults(threading.Thread):
    """Injects the chosen faults at fixed points of the run and notes when they happened."""

    def __init__(self, faults, start, seconds, cluster, master, outage):
        super().__init__(name="soak-faults", daemon=True)
        self.faults, self.start_at, self.seconds = faults, start, seconds
        self.cluster, self.master, self.outage = cluster, master, outage
        self.times: dict[str, float] = {}
        self.error: str | None = None

    def run(self) -> None:
        try:
            if "db-restart" in self.faults:
                self._sleep_until(self.start_at + self.seconds / 4)
                self.times["db_stop"] = time.monotonic()
                self.cluster.stop("fast")
                self.times["db_stopped"] = time.monotonic()
                time.sleep(self.outage)
                self.times["db_start"] = time.monotonic()
                self.cluster.start()
                self.times["db_started"] = time.monotonic()
            if "kill-worker" in self.faults:
                self._sleep_until(self.start_at + self.seconds * 0.7)
                victim = worker_pids(self.master)[0]
                self.times["kill"] = time.monotonic()
                os.kill(victim, signal.SIGKILL)
        except Exception as exc:  # reported with the results; the run itself goes on
            self.error = f"{type(exc).__name__}: {exc}"

    def _sleep_until(self, moment: float) -> None:
        time.sleep(max(0.0, moment - time.monotonic()))


def judge(ledger: Ledger, probes: list, faults: Faults | None) -> tuple[dict, list[str]]:
    """Figures and problems of the run itself (status codes, outage, recovery, killed worker)."""
    problems: list[str] = []
    figures: dict = {}
    times = faults.times if faults else {}
    allowed_503: tuple[float, float] | None = None
    if "db_stopped" in times:
        start, back = times["db_stopped"], times["db_started"]
        outage = [p for p in probes if times["db_stopped"] + 0.5 < p[0] < times["db_start"]]
        figures["outage_seconds"] = round(back - times["db_stop"], 2)
        if not outage:
            problems.append("no probe fell inside the outage")
        for _t, name, status, is_json in outage:
            if status != 503 or not is_json:
                problems.append(f"during the outage {name} answered {status} (json={is_json})")
                break
        recovered = next(
            (
                t
                for t, name, status, _j in probes
                if t > back
                and name == "api"
                and status == 200
                and any(q[1] == "readyz" and q[2] == 200 and back < q[0] <= t + 0.5 for q in probes)
            ),
            None,
        )
        if recovered is None:
            problems.append("the app never answered again after the database came back")
        else:
            figures["recovery_seconds"] = round(recovered - back, 2)
            if recovered - back > RECOVERY_LIMIT:
                problems.append(
                    f"recovery took {recovered - back:.1f} s (limit {RECOVERY_LIMIT} s)"
                )
            allowed_503 = (times["db_stop"], recovered + 1.0)
        figures["outage_503_responses"] = sum(
            1 for t, _op, s, _j in ledger.responses if s == 503 and start - 1 < t < back + 11
        )
    kill_window = None
    if "kill" in times:
        kill_window = (times["kill"], times["kill"] + 2.0)
        served = sum(
            1
            for t, _op, s, _j in ledger.responses
            if times["kill"] < t < times["kill"] + 3 and s and s < 500
        )
        figures["served_in_3s_after_kill"] = served
        if not served:
            problems.append("nothing was served after a worker was killed")

    def within(window, t):
        return window is not None and window[0] <= t <= window[1]

    unexpected = Counter()
    for t, op, status, is_json in ledger.responses:
        if status is None:
            if not within(kill_window, t):
                unexpected[(op, "no answer")] += 1
        elif status == 503 and within(allowed_503, t):
            if not is_json:
                unexpected[(op, "503 not JSON")] += 1
        elif status >= 500:
            unexpected[(op, status)] += 1
    for (op, what), n in unexpected.items():
        problems.append(f"{n} × {op}: {what}")
    # Every 5xx outside the database outage (503 inside it is the documented answer).
    figures["unexpected_5xx"] = sum(
        n for (_op, what), n in unexpected.items() if isinstance(what, int) or "503" in str(what)
    )
    counts = ledger.counts()
    figures["requests"] = len(ledger.responses)
    figures["by_status"] = {str(k): v for k, v in sorted(counts.items(), key=lambda i: str(i[0]))}
    return figures, problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m soak", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--fault", action="append", choices=["db-restart", "kill-worker"])
    parser.add_argument("--outage", type=float, default=3.0, help="seconds the database is down")
    parser.add_argument("--database-url", help="use this database instead of a throwaway one")
    args = parser.parse_args(argv)
    faults_wanted = args.fault or []
    if args.database_url and "db-restart" in faults_wanted:
        parser.error("--fault db-restart needs the throwaway cluster (no --database-url)")
    if args.seconds > 600 or args.clients > 256:
        parser.error("a soak run is bounded: at most 600 s and 256 clients")

    cluster = None
    gunicorn = None
    started = time.monotonic()
    try:
        if args.database_url:
            database_url = args.database_url
        else:
            cluster = Cluster(prefix="claimtrack-soak-").init_primary()
            cluster.start()
            cluster.psql("CREATE DATABASE claimtrack_soak")
            database_url = f"{cluster.url_base}/claimtrack_soak"
        port = free_port()
        logs = cluster.root if cluster else Path(os.environ.get("TMPDIR", "/tmp"))
        env = app_environment(database_url, port, args.workers, args.threads, logs)
        manage(env, "migrate", "--no-input")
        run_id = secrets.token_hex(4)
        tokens = [
            create_token(env, f"soak-{run_id}-editor", "editor"),
            create_token(env, f"soak-{run_id}-reviewer", "reviewer"),
        ]
        with open(logs / "gunicorn.log", "ab") as log:
            gunicorn = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "claimtrack.wsgi"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
        wait_for(port, "/readyz", 60)

        ledger = Ledger()
        seeder = Worker(-1, port, tokens[0], run_id, 0, ledger)
        for _ in range(20):  # something to read and edit from the first second
            seeder.op_create()
        ledger.responses.clear()

        begin = time.monotonic()
        deadline = begin + args.seconds
        stop = threading.Event()
        prober = Prober(port, stop)
        workers = [
            Worker(n, port, tokens[n % 2], run_id, deadline, ledger) for n in range(args.clients)
        ]
        faults = None
        if faults_wanted:
            faults = Faults(faults_wanted, begin, args.seconds, cluster, gunicorn.pid, args.outage)
        prober.start()
        for worker in workers:
            worker.start()
        if faults:
            faults.start()
        for worker in workers:
            worker.join(args.seconds + 60)
        stop.set()
        prober.join(10)
        if faults:
            faults.join(30)

        figures, problems = judge(ledger, prober.samples, faults)
        if faults and faults.error:
            problems.append(f"fault injection failed: {faults.error}")
        figures["alive_workers_after"] = len(worker_pids(gunicorn.pid))
        if figures["alive_workers_after"] < args.workers:
            problems.append(f"only {figures['alive_workers_after']} gunicorn workers at the end")
        checked, wrong = verify(database_url, ledger, run_id)
        figures.update(checked)
        problems += wrong
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            try:
                gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
        if cluster is not None:
            cluster.destroy()

    figures.update(
        clients=args.clients,
        seconds=args.seconds,
        faults=faults_wanted,
        requests_per_second=round(figures["requests"] / args.seconds, 1),
        wall_seconds=round(time.monotonic() - started, 1),
        ok=not problems,
    )
    print(json.dumps(figures, indent=2))
    for problem in problems[:50]:
        print("PROBLEM:", problem, file=sys.stderr)
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
