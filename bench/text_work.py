"""Issue 11's worst cases for the text endpoints and quote anchoring, before and after.

    .venv/bin/python -m bench.text_work \\
        --database-url postgres://postgres@127.0.0.1:5432/ct_bench_text \\
        [--before-root DIR] [--ceiling 200] [--output bench/RESULTS.md]

DIR: an export of the code before the fix, e.g. `git archive <commit> | tar -x -C DIR`.

Each scenario runs in its own process, with the code of a root (this checkout; with
--before-root also the older export), against a fresh database (created, migrated, dropped),
through Django's test client as an anonymous client except where an editor acts. A scenario
that runs past --ceiling seconds is stopped and reported as such. The request time budget is
off (0) so that the cost itself is measured; with the default budget a request stops at 20 s
with 503.

Scenarios (issue 11, "Unbounded work, anonymously"):
- suggestions and mentions of a 550 KiB and a 2.2 MB source, cold and warm (a second identical
  request): the seed article repeated (an ordinary article, long), and "dense" texts of short
  sentences that each name two countries and fire a rule (many sentences × many mentions);
- 8 POST /actors/ with 50 random 300-character aliases each, then /mentions/ of the seed
  article; after the fix the API refuses those actors (400), so the largest actors it accepts
  (25 aliases of 100 characters) are posted instead; then the same after one actor is edited;
- anchor_quote with a 10,000-character near-match quote against a 1 MB text.

The results are printed and written as the section "Text endpoints and anchoring" of --output
(replacing that section if it is there).
"""

import argparse
import json
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## Text endpoints and anchoring: bounded work (issue 11)"

# Runs inside the scenario's process, with the root's code: only APIs both versions have.
SCENARIO = r"""
import json, random, sys, time
import django
django.setup()
from django.contrib.auth.models import Group, User
from django.test import Client
from sources.models import Source

name, size, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seed = open("claims/data/seed-article.txt", encoding="utf-8").read()
client = Client()


def text_of(length):
    if kind == "dense":
        unit = "Morocco and Spain held talks in Rabat. "
        return (unit * (length // len(unit) + 1))[:length]
    return "\n\n".join([seed] * (length // len(seed) + 1))[:length]


def get(path):
    began = time.perf_counter()
    response = client.get(path)
    return {"status": response.status_code, "seconds": time.perf_counter() - began,
            "bytes": len(response.content)}


def source(text, slug):
    return Source.objects.create(url=f"https://bench.example.org/{slug}", text=text)


out = {}
if name in ("mentions", "suggestions"):
    s = source(text_of(size), f"{name}-{kind}-{size}")
    out["cold"] = get(f"/api/v1/sources/{s.pk}/{name}/")
    out["warm"] = get(f"/api/v1/sources/{s.pk}/{name}/")
elif name == "aliases":
    s = source(seed, "seed")
    out["no_actors"] = get(f"/api/v1/sources/{s.pk}/mentions/")
    editor = User.objects.create_user("bench-editor")
    editor.groups.add(Group.objects.get(name="editor"))
    client.force_login(editor)
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    def post(count, length):
        aliases = ["".join(rng.choice(letters) for _ in range(length)).strip() or "x"
                   for _ in range(count)]
        body = {"name": f"Actor {rng.random()}", "kind": "person", "aliases": aliases}
        return client.post("/api/v1/actors/", body, content_type="application/json")

    attack = [post(50, 300) for _ in range(8)]
    out["attack_statuses"] = sorted({r.status_code for r in attack})
    if out["attack_statuses"] != [201]:
        allowed = [post(25, 100) for _ in range(8)]
        out["largest_allowed_statuses"] = sorted({r.status_code for r in allowed})
    created = [r.json()["id"] for r in (attack if out["attack_statuses"] == [201] else allowed)]
    client.logout()
    out["first"] = get(f"/api/v1/sources/{s.pk}/mentions/")
    out["second"] = get(f"/api/v1/sources/{s.pk}/mentions/")
    other = source(seed.replace("Morocco", "Spain"), "other")
    out["other_text"] = get(f"/api/v1/sources/{other.pk}/mentions/")
    client.force_login(editor)
    client.patch(f"/api/v1/actors/{created[0]}/", {"title": "edited"},
                 content_type="application/json")
    client.logout()
    out["after_an_edit"] = get(f"/api/v1/sources/{s.pk}/mentions/")
elif name == "anchor":
    from sources.anchoring import anchor_quote
    rng = random.Random(11)
    words = seed.split()
    text = " ".join(rng.choice(words) for _ in range(size // 6))[:size]
    at = size * 3 // 5
    quote = text[at : at + 10_000].replace(" the ", " a ", 5)
    quote = (quote[:5_000] + " and, officials said, " + quote[5_000:])[:10_000]
    began = time.perf_counter()
    found = anchor_quote(text, quote, text[at - 32 : at], "")
    out["anchor"] = {"seconds": time.perf_counter() - began, "state": found.state,
                     "start": found.start, "expected_start": at, "score": found.score}
print("RESULT " + json.dumps(out))
"""

SCENARIOS = [
    ("suggestions", 550 * 1024, "article"),
    ("suggestions", 2_200_000, "article"),
    ("suggestions", 550 * 1024, "dense"),
    ("suggestions", 2_200_000, "dense"),
    ("mentions", 550 * 1024, "article"),
    ("mentions", 2_200_000, "article"),
    ("mentions", 2_200_000, "dense"),
    ("aliases", 0, "article"),
    ("anchor", 1_000_000, "article"),
]


def _run(sql_admin: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(sql_admin, autocommit=True) as connection:
        connection.execute(sql)


def run_root(root: Path, database_url: str, ceiling: float) -> dict:
    """Every scenario against a fresh database with the code in `root`."""
    from urllib.parse import urlsplit

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin = f"host={parts.hostname} port={parts.port or 5432} user={parts.username} dbname=postgres"
    env = {
        **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")},
        "DJANGO_SETTINGS_MODULE": "claimtrack.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url,
        "CLAIMTRACK_THROTTLE_ANON": "100000/minute",
        "CLAIMTRACK_THROTTLE_USER": "100000/minute",
        "CLAIMTRACK_REQUEST_BUDGET_SECONDS": "0",
        "CLAIMTRACK_STATEMENT_TIMEOUT_MS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(root),
    }
    results = {}
    for scenario, size, kind in SCENARIOS:
        _run(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _run(admin, f'CREATE DATABASE "{name}"')
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=root,
            env=env,
            check=True,
        )
        key = f"{scenario}:{kind}:{size}"
        began = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, "-c", SCENARIO, scenario, str(size), kind],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=ceiling,
            )
        except subprocess.TimeoutExpired:
            results[key] = {"stopped_after": ceiling}
        else:
            line = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
            results[key] = (
                json.loads(line[-1][7:]) if line else {"error": done.stderr.strip()[-500:]}
            )
        results[key]["wall"] = time.perf_counter() - began
        print(key, json.dumps(results[key]), flush=True)
    _run(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def _cell(result: dict, *path: str) -> str:
    if "stopped_after" in result:
        return f"> {result['stopped_after']:.0f} s (stopped)"
    if "error" in result:
        return "error"
    value = result
    for key in path:
        value = value[key]
    status = "" if value.get("status", 200) == 200 else f" ({value['status']})"
    size = f", {value['bytes'] / 1e6:.2f} MB" if "bytes" in value else ""
    return f"{value['seconds']:.2f} s{size}{status}"


ROWS = [
    ("suggestions, 550 KiB article", "suggestions:article:563200", ("cold",)),
    ("… the same request again", "suggestions:article:563200", ("warm",)),
    ("suggestions, 2.2 MB article", "suggestions:article:2200000", ("cold",)),
    ("… the same request again", "suggestions:article:2200000", ("warm",)),
    ("suggestions, 550 KiB dense text", "suggestions:dense:563200", ("cold",)),
    ("suggestions, 2.2 MB dense text", "suggestions:dense:2200000", ("cold",)),
    ("mentions, 550 KiB article", "mentions:article:563200", ("cold",)),
    ("mentions, 2.2 MB article", "mentions:article:2200000", ("cold",)),
    ("… the same request again", "mentions:article:2200000", ("warm",)),
    ("mentions, 2.2 MB dense text", "mentions:dense:2200000", ("cold",)),
    ("mentions of the seed article, no actors", "aliases:article:0", ("no_actors",)),
    ("… after 8 actors with many long aliases", "aliases:article:0", ("first",)),
    ("… the same request again", "aliases:article:0", ("second",)),
    ("… another text (result not cached)", "aliases:article:0", ("other_text",)),
    ("… after one actor is edited", "aliases:article:0", ("after_an_edit",)),
    ("anchor_quote: 10,000-character near match in 1 MB", "anchor:article:1000000", ("anchor",)),
]


def render(results: dict[str, dict], command: str) -> str:
    labels = list(results)
    lines = [
        SECTION,
        "",
        f"Written by `bench/text_work.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
        f" (`{command}`).",
        "In-process through Django's test client (no gunicorn, no network), PostgreSQL, one",
        "scenario per process, the request time budget off; the shared 2-core machine's load:",
        ", ".join(f"{x:.2f}" for x in os.getloadavg()) + ". Sizes are of the answer: after the",
        "fix, the first page (500 mentions or 50 suggestions; `count` and `next` give the rest).",
        "A first request in a process also builds the country automaton (about 0.3 s).",
        "",
        "| scenario | " + " | ".join(labels) + " |",
        "|---|" + "---:|" * len(labels),
    ]
    for title, key, path in ROWS:
        cells = [_cell(results[label].get(key, {"error": 1}), *path) for label in labels]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append("")
    for label in labels:
        aliases = results[label].get("aliases:article:0", {})
        anchor = results[label].get("anchor:article:1000000", {}).get("anchor")
        notes = []
        if "attack_statuses" in aliases:
            notes.append(
                f"the 8 POSTs of 50 × 300-character aliases answered {aliases['attack_statuses']}"
            )
        if "largest_allowed_statuses" in aliases:
            notes.append(
                "so 8 actors of 25 × 100-character aliases (the most allowed) were posted "
                f"({aliases['largest_allowed_statuses']}) and measured"
            )
        if anchor:
            notes.append(
                f"the quote anchored `{anchor['state']}` at {anchor['start']} "
                f"(placed at {anchor['expected_start']}), score {anchor['score']}"
            )
        if notes:
            lines.append(f"- {label}: " + "; ".join(notes) + ".")
    lines.append("")
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(SECTION) + r".*?(?=\n## |\Z)", re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section.rstrip("\n"), text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database to (re)make")
    parser.add_argument("--before-root", type=Path, help="an export of the code before the fix")
    parser.add_argument("--ceiling", type=float, default=200, help="seconds per scenario")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    results = {}
    if args.before_root:
        results["before"] = run_root(args.before_root.resolve(), args.database_url, args.ceiling)
    results["after" if args.before_root else "now"] = run_root(
        ROOT, args.database_url, args.ceiling
    )
    command = "python -m bench.text_work " + " ".join(
        "URL" if "://" in a else a for a in (argv or sys.argv[1:])
    )
    section = render(results, command.strip())
    print(section)
    write_section(args.output, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
