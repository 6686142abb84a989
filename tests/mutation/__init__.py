"""Mutation testing of the modules that decide, one module at a time (docs/testing.md).

Each rule module is mutated by mutmut (configured in pyproject.toml, [tool.mutmut]) in a scratch
copy of the project under `mutants/<module>/`, against only the test files that exercise it, with
one worker and a time cap, so a run is bounded and leaves the other cores free. Survivors are
compared with `equivalents.toml`: a survivor listed there (same mutant, same mutated line) is an
equivalent mutant, one that no test can tell apart; any other survivor is a gap in the tests.
"""

import ast
import contextlib
import difflib
import fcntl
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRATCH = ROOT / "mutants"
EQUIVALENTS_FILE = Path(__file__).with_name("equivalents.toml")
RESULTS_FILE = ROOT / "docs" / "mutation-results.md"

# Each rule module and the test files that exercise it: a mutant runs only the tests among these
# that call the mutated function (mutmut records which do).
MODULES: dict[str, list[str]] = {
    "claims/workflow.py": [
        "tests/claims/test_workflow.py",
        "tests/claims/test_integrity.py",
        "tests/api/test_workflow_api.py",
        "tests/api/test_rules_api.py",
        "tests/api/test_verdict_integrity_api.py",
    ],
    "claims/integrity.py": [
        "tests/claims/test_integrity.py",
        "tests/claims/test_claimreview.py",
        "tests/api/test_verdict_integrity_api.py",
    ],
    "sources/anchoring.py": ["tests/sources/test_anchoring.py"],
    "sources/canonical.py": ["tests/sources/test_canonical.py"],
    "claimtrack/pagination.py": [
        "tests/api/test_pagination_api.py",
        "tests/api/test_claims_api.py",
        "tests/api/test_sources_api.py",
        "tests/api/test_text_endpoints_api.py",  # mentions and suggestions pages
        "tests/api/test_openapi_schema.py",  # the parameters and page shape it documents
        "tests/hostile/test_ids_and_cursors.py",
    ],
    "claimtrack/concurrency.py": ["tests/api/test_concurrency_api.py"],
    "claimtrack/permissions.py": [
        "tests/security/test_authorisation.py",
        "tests/api/test_errors_api.py",
    ],
    "claims/claimreview/ratings.py": [
        "tests/claims/test_claimreview.py",
        "tests/claims/test_claimreview_import.py",  # what an import reads of a rating
    ],
    "claims/claimreview/export.py": [
        "tests/claims/test_claimreview.py",
        "tests/claims/test_claimreview_schema.py",
        "tests/claims/test_public_pages.py",
        "tests/api/test_workflow_api.py",
        "tests/api/test_verdict_integrity_api.py",
    ],
    "claims/claimreview/imports.py": [
        "tests/claims/test_claimreview.py",
        "tests/claims/test_claimreview_import.py",
        "tests/claims/test_claimreview_real.py",
    ],
}

# mutmut's exit codes per mutant (mutmut/stats.py), grouped as this report counts them.
KILLED = {1, 3, 24, -24, 152, 255, 36}  # a test failed, or the mutant never finished (timeout)
SURVIVED = {0, 5, 33}  # every test passed, or no test ran the mutated function
# The project's files a scratch copy needs; `mutants/` and the virtualenv stay out.
COPIED = ["claims", "sources", "claimtrack", "tests", "docs", "manage.py"]


@dataclass
class ModuleResult:
    module: str
    mutants: int = 0
    killed: int = 0
    survived: list[str] = field(default_factory=list)  # not listed as equivalent
    equivalent: list[str] = field(default_factory=list)
    not_checked: int = 0  # the time cap ran out first
    other: dict[str, int] = field(default_factory=dict)  # suspicious, segfault…
    seconds: float = 0.0
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def score(self) -> float:
        """Killed among the non-equivalent mutants that were checked, in per cent."""
        judged = self.killed + len(self.survived)
        return 100.0 * self.killed / judged if judged else 100.0


def module_name(path: str) -> str:
    """`sources/anchoring.py` -> `sources.anchoring`, the prefix of its mutant names."""
    return path.removesuffix(".py").replace("/", ".")


def resolve(names: list[str]) -> list[str]:
    """Rule modules named by path, dotted name or last part (`anchoring`)."""
    chosen = []
    for name in names:
        matches = [m for m in MODULES if name in (m, module_name(m), Path(m).stem)]
        if not matches:
            raise SystemExit(f"{name}: not a rule module (choose from {', '.join(MODULES)})")
        chosen += [m for m in matches if m not in chosen]
    return chosen


def load_equivalents() -> dict[str, dict]:
    """The equivalents list: mutant name -> {"change": mutated line, "reason": why}."""
    data = tomllib.loads(EQUIVALENTS_FILE.read_text()) if EQUIVALENTS_FILE.exists() else {}
    return {entry["mutant"]: entry for entry in data.get("equivalent", [])}


def _mutmut_config(module: str) -> str:
    """The [tool.mutmut] table of pyproject.toml, narrowed to one module and its tests."""
    table = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    table = dict(table, only_mutate=[module], pytest_add_cli_args_test_selection=MODULES[module])
    lines = ["[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def prepare(module: str) -> Path:
    """A scratch copy of the project whose pyproject.toml mutates only `module`.

    The copy is kept between runs: mutmut skips mutants it already judged while their function
    and the tests are unchanged, so the sources are refreshed and its results kept."""
    work = SCRATCH / module_name(module)
    work.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source, target = ROOT / name, work / name
        if source.is_dir():
            shutil.copytree(
                source,
                target,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "vendor", "*.pyc"),
            )
        else:
            shutil.copy2(source, target)
    pyproject = (ROOT / "pyproject.toml").read_text()
    pyproject = pyproject[: pyproject.index("[tool.mutmut]")]
    (work / "pyproject.toml").write_text(pyproject + _mutmut_config(module))
    # mutmut copies a file only when its copy under mutants/ is missing: remove the copies so the
    # current sources and tests are used, but keep mutmut's verdicts (*.meta) and its record of
    # which tests run which function (mutmut-stats.json), which make the next run incremental.
    copies = work / "mutants"
    if copies.is_dir():
        for path in copies.rglob("*"):
            if path.is_file() and path.suffix != ".meta" and path.name != "mutmut-stats.json":
                path.unlink()
    # A survivor is tried again (the tests may have changed); a kill stands while its function is
    # unchanged (mutmut re-tests the mutants of an edited function by itself).
    meta = copies / (module + ".meta")
    if meta.exists():
        data = json.loads(meta.read_text())
        data["exit_code_by_key"] = {
            name: None if code in SURVIVED else code
            for name, code in data["exit_code_by_key"].items()
        }
        meta.write_text(json.dumps(data))
    return work


def run_mutmut(work: Path, time_cap: float) -> bool:
    """Run mutmut in `work` with one worker; False when the time cap stopped it."""
    command = [sys.executable, "-m", "mutmut", "run", "--max-children", "1"]
    env = dict(os.environ, DJANGO_DEBUG="0", PYTHONDONTWRITEBYTECODE="1")
    env.pop("DATABASE_URL", None)  # one SQLite test database per worker, nothing shared
    with subprocess.Popen(command, cwd=work, env=env, start_new_session=True) as process:
        try:
            process.wait(timeout=time_cap)
        except subprocess.TimeoutExpired:
            _stop(process)
            return False
        except BaseException:
            # Interrupted (Ctrl-C, SIGTERM): mutmut runs in a session of its own and would go on
            # writing verdicts into the scratch copy beside the next run's.
            _stop(process)
            raise
    return True


def _stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def mutated_line(work: Path, module: str, mutant: str) -> str:
    """The lines a mutant changes, as `old -> new` (what `mutmut show` prints, without its
    start-up cost): the mutant's function beside the original in mutmut's copy of the module."""
    tree = ast.parse((work / "mutants" / module).read_text())
    functions = {
        node.name: node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    name = mutant.removeprefix(module_name(module) + ".")
    original = functions.get(name.rsplit("__mutmut_", 1)[0] + "__mutmut_orig")
    mutated = functions.get(name)
    if original is None or mutated is None:
        return "?"
    old = ast.unparse(original.body).splitlines()
    new = ast.unparse(mutated.body).splitlines()
    diff = list(difflib.unified_diff(old, new, lineterm="", n=0))[2:]
    removed = [line[1:].strip() for line in diff if line.startswith("-")]
    added = [line[1:].strip() for line in diff if line.startswith("+")]
    if not removed and not added:  # the mutant changed the signature (a default value)
        removed, added = [ast.unparse(original.args)], [ast.unparse(mutated.args)]
    return " / ".join(removed) + " -> " + " / ".join(added)


def collect(module: str, work: Path, seconds: float) -> ModuleResult:
    """Read mutmut's verdicts for `module` and sort survivors against the equivalents list."""
    result = ModuleResult(module=module, seconds=seconds)
    meta_path = work / "mutants" / (module + ".meta")
    if not meta_path.exists():
        return result
    verdicts = json.loads(meta_path.read_text())["exit_code_by_key"]
    equivalents = load_equivalents()
    for mutant, code in sorted(verdicts.items()):
        result.mutants += 1
        if code is None:
            result.not_checked += 1
        elif code in KILLED:
            result.killed += 1
        elif code in SURVIVED:
            change = mutated_line(work, module, mutant)
            result.diffs[mutant] = change
            listed = equivalents.get(mutant)
            if listed and listed.get("change", "").strip() == change:
                result.equivalent.append(mutant)
            else:
                result.survived.append(mutant)
        else:
            label = {35: "suspicious", 37: "type check", -11: "segfault", -9: "segfault"}
            name = label.get(code, f"exit {code}")
            result.other[name] = result.other.get(name, 0) + 1
    return result


@contextlib.contextmanager
def _only_run(module: str):
    """Holds the module's lock: two runs in one scratch copy mix their verdicts."""
    SCRATCH.mkdir(exist_ok=True)
    with (SCRATCH / f"{module_name(module)}.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(
                f"{module}: another run is mutating it (mutants/{module_name(module)}/); wait "
                "for it to finish or stop it first"
            ) from None
        yield


def run_module(module: str, time_cap: float) -> ModuleResult:
    with _only_run(module):
        return _run_module(module, time_cap)


def _run_module(module: str, time_cap: float) -> ModuleResult:
    print(f"\n==> mutating {module} (cap {time_cap:.0f} s) against {' '.join(MODULES[module])}")
    work = prepare(module)
    started = time.monotonic()
    finished = run_mutmut(work, time_cap)
    result = collect(module, work, time.monotonic() - started)
    if not finished:
        print(f"    time cap reached: {result.not_checked} mutants not checked")
    (work / "result.json").write_text(json.dumps(result.__dict__, indent=1))
    return result


def changed_modules(base: str | None) -> list[str]:
    """Rule modules changed since `base`, or by the last commit when no base is given."""
    # diff-tree names the last commit's files even when it has no parent (a shallow clone).
    command = ["git", "diff", "--name-only", f"{base}...HEAD"] if base else []
    command = command or [
        "git",
        "diff-tree",
        "--root",
        "--no-commit-id",
        "--name-only",
        "-r",
        "HEAD",
    ]
    names = subprocess.run(
        command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return [m for m in MODULES if m in names]


def print_table(results: list[ModuleResult]) -> None:
    print(f"\n{'module':34} {'mutants':>7} {'killed':>6} {'survived':>8} {'equiv':>5} {'%':>6}")
    for r in results:
        print(
            f"{r.module:34} {r.mutants:7} {r.killed:6} {len(r.survived):8} "
            f"{len(r.equivalent):5} {r.score:6.1f}"
            + (f"  ({r.not_checked} not checked)" if r.not_checked else "")
            + (f"  {r.other}" if r.other else "")
        )
    survivors = [(mutant, r.diffs.get(mutant, "")) for r in results for mutant in r.survived]
    if survivors:
        print("\nSurvivors, as entries for tests/mutation/equivalents.toml (only if equivalent):")
    for mutant, change in survivors:
        print(f'\n[[equivalent]]\nmutant = "{mutant}"\nchange = {json.dumps(change)}')
        print('reason = "…"')


def write_results(results: list[ModuleResult], notes: str = "") -> None:
    """docs/mutation-results.md: the table of the last run of each module, its survivors and the
    equivalents; a module with mutants left unchecked (the time cap) says so."""
    equivalents = load_equivalents()
    lines = [
        "# Mutation testing: results of the last run of each rule module",
        "",
        "Written by `python -m tests.mutation --all --write-results` (docs/testing.md explains "
        "how to run and read it). Score = killed / (killed + survived): equivalent mutants do "
        "not count; unchecked ones (the time cap ran out) are not judged.",
        "",
        "| module | mutants | killed | survived | equivalent | not checked | score |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    by_module = {r.module: r for r in results}
    for module in MODULES:
        r = by_module.get(module)
        if r is None:
            lines.append(f"| `{module}` | not run | | | | | |")
            continue
        score = f"{r.score:.1f} %" if r.killed + len(r.survived) else "–"
        lines.append(
            f"| `{module}` | {r.mutants} | {r.killed} | {len(r.survived)} | "
            f"{len(r.equivalent)} | {r.not_checked} | {score} |"
        )
    if notes:
        lines += ["", notes.strip()]
    lines += ["", "## Surviving mutants", ""]
    survivors = [(m, r.diffs.get(m, "")) for r in results for m in r.survived]
    lines += [f"- `{m}`: `{change}`" for m, change in survivors] or ["None."]
    lines += ["", "## Equivalent mutants (tests/mutation/equivalents.toml)", ""]
    for r in results:
        for mutant in r.equivalent:
            lines.append(f"- `{mutant}`: {equivalents[mutant]['reason']}")
    RESULTS_FILE.write_text("\n".join(lines) + "\n")


def load_result(module: str) -> ModuleResult | None:
    """The module's last run here (its scratch copy), else its row in the results file (a run
    on another machine), else None."""
    path = SCRATCH / module_name(module) / "result.json"
    if path.exists():
        return ModuleResult(**json.loads(path.read_text()))
    return _recorded_result(module)


_ROW = re.compile(  # | `module` | mutants | killed | survived | equivalent | not checked |
    r"^\| `(?P<module>[^`]+)` \| (?P<mutants>\d+) \| (?P<killed>\d+) \| \d+ \| \d+ "
    r"\| (?P<unchecked>\d+) \|"
)
_LISTED = re.compile(r"^- `(?P<mutant>[^`]+)`: (?P<rest>.*)$")


def _recorded_result(module: str) -> ModuleResult | None:
    """The module's result as docs/mutation-results.md records it: its row, its survivors and
    its equivalents (so that rewriting the file keeps the modules not run again)."""
    if not RESULTS_FILE.exists():
        return None
    result, section = None, ""
    prefix = module_name(module) + "."
    for line in RESULTS_FILE.read_text().splitlines():
        if line.startswith("## "):
            section = line
        row = _ROW.match(line)
        if row and row["module"] == module:
            result = ModuleResult(
                module=module,
                mutants=int(row["mutants"]),
                killed=int(row["killed"]),
                not_checked=int(row["unchecked"]),
            )
        listed = _LISTED.match(line)
        if result is None or not listed or not listed["mutant"].startswith(prefix):
            continue
        if section.startswith("## Surviving"):
            result.survived.append(listed["mutant"])
            result.diffs[listed["mutant"]] = listed["rest"].strip("`")
        elif section.startswith("## Equivalent"):
            result.equivalent.append(listed["mutant"])
    return result
