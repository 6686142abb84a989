"""python -m tests.mutation [MODULE …] | --all | --changed [BASE]   (docs/testing.md)"""

import argparse
import signal
import sys

from tests.mutation import (
    MODULES,
    changed_modules,
    load_result,
    print_table,
    resolve,
    run_module,
    write_results,
)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.mutation",
        description="Mutation testing of the rule modules, one module at a time.",
    )
    parser.add_argument("modules", nargs="*", help="e.g. claims/workflow.py or anchoring")
    parser.add_argument("--all", action="store_true", help="every rule module")
    parser.add_argument(
        "--changed",
        nargs="?",
        const="",
        metavar="BASE",
        help="the rule modules changed since BASE (git ref), or by the last commit",
    )
    parser.add_argument(
        "--time-cap", type=float, default=600, help="seconds per module (default 600)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds for the whole run, shared among the modules (caps each at its share)",
    )
    parser.add_argument(
        "--write-results",
        action="store_true",
        help="rewrite docs/mutation-results.md from the last result of every module",
    )
    args = parser.parse_args()
    # Stopped with SIGTERM, stop mutmut too (run_mutmut does on any exception).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if args.changed is not None:
        modules = changed_modules(args.changed or None)
        if not modules:
            print("no rule module changed: nothing to mutate")
    elif args.all:
        modules = list(MODULES)
    else:
        modules = resolve(args.modules)
    cap = args.time_cap
    if args.budget and modules:
        cap = min(cap, args.budget / len(modules))
    results = [run_module(module, cap) for module in modules]
    if results:
        print_table(results)
    if args.write_results:
        everything = [load_result(module) for module in MODULES]
        write_results([r for r in everything if r is not None])
    if any(r.survived for r in results):
        print(
            "\nFAIL: surviving mutants. Kill each with a test that pins the behaviour, or, if no "
            "test can tell it apart, list it in tests/mutation/equivalents.toml with a reason.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
