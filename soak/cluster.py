"""Throwaway PostgreSQL 15 clusters in a temporary directory: a fresh primary, or a streaming
replica of a running server. Used by the soak and fault runs and by the replica tests, so that
nothing restarts or reconfigures the shared server on 5432.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; the data directory belongs to the postgres user.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def _run(command: list[str], timeout: float = 120) -> str:
    result = subprocess.run(
        _as_postgres(command), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stderr or result.stdout}")
    return result.stdout


class Cluster:
    """One PostgreSQL server in a temporary directory, on 127.0.0.1:`port`."""

    def __init__(self, prefix: str = "claimtrack-pg-"):
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.root, user="postgres", group="postgres")

    @property
    def url_base(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def init_primary(self) -> "Cluster":
        _run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
              "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"])  # fmt: skip
        return self

    def init_replica_of(self, host: str, port: int, slot: str) -> "Cluster":
        """A base backup of the server at host:port that then streams its WAL (`-R`).

        The server must allow replication connections from 127.0.0.1 (pg_hba.conf). A
        replication slot keeps the WAL the replica still needs; `destroy` drops it.
        """
        _run([str(PG_BIN / "pg_basebackup"), "-h", host, "-p", str(port), "-U", "postgres",
              "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "-C", "-S", slot],
             timeout=600)  # fmt: skip
        settings = _run([str(PG_BIN / "psql"), "-h", host, "-p", str(port), "-U", "postgres",
                         "-tAc", "SELECT name, setting FROM pg_settings WHERE name IN ("
                         "'max_connections','max_worker_processes','max_wal_senders',"
                         "'max_prepared_transactions','max_locks_per_transaction')"])  # fmt: skip
        lines = [line.replace("|", " = ") for line in settings.split() if "|" in line]
        # A hot standby needs at least the primary's limits; Debian keeps postgresql.conf
        # outside the data directory, so the backup has none.
        self._write("postgresql.conf", "\n".join(["hot_standby = on", *lines]) + "\n")
        self._write("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        return self

    def _write(self, name: str, text: str) -> None:
        path = self.data / name
        path.write_text(text)
        if os.geteuid() == 0:
            shutil.chown(path, user="postgres", group="postgres")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        if not (self.data / "postgresql.conf").exists():
            self._write("postgresql.conf", "")
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
              "-w", "-t", "60", "start"])  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        _run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"])

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def psql(self, sql: str, database: str = "postgres") -> str:
        return _run([str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                     "postgres", "-d", database, "-tAc", sql])  # fmt: skip

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.psql("SELECT 1")
                return
            except RuntimeError:
                time.sleep(0.2)
        raise RuntimeError(f"the server on port {self.port} did not become ready")

    def destroy(self) -> None:
        if self.running():
            with contextlib.suppress(RuntimeError):
                self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


def drop_slot(host: str, port: int, slot: str) -> None:
    """Drop a replication slot (else the primary keeps WAL for it forever)."""
    _run([str(PG_BIN / "psql"), "-h", host, "-p", str(port), "-U", "postgres", "-tAc",
          f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
          f"WHERE slot_name = '{slot}' AND NOT active"])  # fmt: skip


def drop_stale_slots(host: str, port: int, prefix: str) -> None:
    """Drop inactive slots left by runs that were killed before they could clean up."""
    _run([str(PG_BIN / "psql"), "-h", host, "-p", str(port), "-U", "postgres", "-tAc",
          f"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
          f"WHERE slot_name LIKE '{prefix}%' AND NOT active"])  # fmt: skip
