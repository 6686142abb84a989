"""Run the read-replica tests against a throwaway primary and its streaming replica.

    python -m soak.replica_tests [pytest arguments]

`pg_basebackup` copies a whole server, so the tests get a primary of their own (small, on a
free port, in a temporary directory) instead of the shared one; the replica is built from it by
the tests' fixture. Both are removed afterwards.
"""

import os
import subprocess
import sys

from soak.cluster import Cluster


def main(argv: list[str]) -> int:
    primary = Cluster(prefix="claimtrack-primary-").init_primary()
    try:
        primary.start()
        primary.wait_ready()
        env = {
            **os.environ,
            "DATABASE_URL": f"{primary.url_base}/postgres",
            "CLAIMTRACK_REPLICA_TESTS": "1",
        }
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                   "tests/scale/test_replicas.py", *argv]  # fmt: skip
        return subprocess.call(command, env=env)
    finally:
        primary.destroy()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
