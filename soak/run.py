"""The soak run: many clients against gunicorn for a bounded time, optional faults, then proof.

Clients read (80 %) and write (20 %: creates, edits with If-Match, reviews) through the API.
Every write's outcome goes into a ledger: acknowledged (2xx), refused (4xx: nothing may have
changed) or in doubt (no answer: it may or may not have happened). Afterwards `soak.verify`
checks the database against the ledger.
"""

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

READS = ("list", "detail", "country", "history", "reviews", "stats")
# Arabic script, RTL marks and emoji must survive byte-exact.
TEXT = "المغرب والصحراء \u200f«اقتباس» 🇲🇦"


@dataclass
class Ack:
    """A write the server acknowledged, and the claim as the server said it left it."""

    kind: str
    claim_id: int
    version: int
    statement: str
    status: str
    review_id: int | None = None
    rationale: str | None = None


@dataclass
class Ledger:
    """Everything the clients saw, shared between their threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    acks: list[Ack] = field(default_factory=list)
    # (kind, claim_id or None, the unique text the write carried)
    doubts: list[tuple[str, int | None, str]] = field(default_factory=list)
    creates_tried: list[str] = field(default_factory=list)
    responses: list[tuple[float, str, int | None, bool]] = field(default_factory=list)
    claim_ids: list[int] = field(default_factory=list)

    def record(self, op: str, status: int | None, is_json: bool) -> None:
        with self.lock:
            self.responses.append((time.monotonic(), op, status, is_json))

    def counts(self) -> Counter:
        return Counter(status for _t, _op, status, _j in self.responses)


class Client:
    """One keep-alive HTTP connection to the app, as one API user."""

    def __init__(self, port: int, token: str | None = None, timeout: float = 20):
        self.port, self.token, self.timeout = port, token, timeout
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body=None, headers=None):
        """(status, headers, parsed JSON or None); status None when no answer came."""
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Token {self.token}"
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        headers.setdefault("Accept", "application/json")
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=self.timeout
                )
            self.connection.request(method, path, body=payload, headers=headers)
            response = self.connection.getresponse()
            raw = response.read()
            answer = {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException):
            self.close()
            return None, {}, None
        if answer.get("connection", "").lower() == "close":
            self.close()
        data = None
        if answer.get("content-type", "").startswith("application/json"):
            try:
                data = json.loads(raw)
            except ValueError:
                data = None
        return response.status, answer, data

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _version(headers: dict) -> int | None:
    try:
        return int(headers.get("etag", "").strip('W/"'))
    except ValueError:
        return None


class Worker(threading.Thread):
    """One simulated client: a loop of weighted operations until the deadline."""

    def __init__(self, number: int, port: int, token: str, run_id: str, deadline: float,
                 ledger: Ledger, write_share: float = 0.2):  # fmt: skip
        super().__init__(name=f"soak-client-{number}", daemon=True)
        self.number, self.run_id, self.deadline = number, run_id, deadline
        self.client = Client(port, token)
        self.ledger = ledger
        self.write_share = write_share
        self.random = random.Random(number)
        self.sequence = 0

    def run(self) -> None:
        while time.monotonic() < self.deadline:
            if self.random.random() < self.write_share:
                op = self.random.choices(["create", "edit", "review"], [2, 2, 1])[0]
            else:
                op = self.random.choice(READS)
            getattr(self, f"op_{op}")()
        self.client.close()

    # --- helpers ---

    def unique(self, what: str) -> str:
        self.sequence += 1
        return f"soak {self.run_id} {what} c{self.number}-{self.sequence} {TEXT}"

    def some_claim(self) -> int | None:
        with self.ledger.lock:
            ids = self.ledger.claim_ids
            # Mostly recent claims: they are the ones others edit too (contention is the point).
            return self.random.choice(ids[-50:]) if ids else None

    def call(self, op: str, method: str, path: str, body=None, headers=None):
        status, answer, data = self.client.request(method, path, body, headers)
        is_json = answer.get("content-type", "").startswith("application/json")
        self.ledger.record(op, status, is_json)
        return status, answer, data

    # --- reads ---

    def op_list(self):
        self.call("list", "GET", "/api/v1/claims/?page_size=20")

    def op_country(self):
        self.call("country", "GET", "/api/v1/claims/?country=MA&page_size=20")

    def op_stats(self):
        self.call("stats", "GET", "/api/v1/claims/stats/?country=MA")

    def op_detail(self):
        claim_id = self.some_claim()
        if claim_id is not None:
            self.call("detail", "GET", f"/api/v1/claims/{claim_id}/")

    def op_history(self):
        claim_id = self.some_claim()
        if claim_id is not None:
            self.call("history", "GET", f"/api/v1/claims/{claim_id}/history/")

    def op_reviews(self):
        claim_id = self.some_claim()
        if claim_id is not None:
            self.call("reviews", "GET", f"/api/v1/claims/{claim_id}/reviews/")

    # --- writes ---

    def op_create(self):
        statement = self.unique("create")
        body = {
            "statement": statement,
            "kind": "statement",
            "countries": [{"code": "MA", "role": "subject"}],
        }
        with self.ledger.lock:
            self.ledger.creates_tried.append(statement)
        status, headers, data = self.call("create", "POST", "/api/v1/claims/", body)
        if status == 201 and data:
            ack = Ack("create", data["id"], data["version"], data["statement"], data["status"])
            with self.ledger.lock:
                self.ledger.acks.append(ack)
                self.ledger.claim_ids.append(data["id"])
        elif status is None or status >= 500:
            with self.ledger.lock:
                self.ledger.doubts.append(("create", None, statement))

    def _read_for_write(self, claim_id: int):
        status, headers, data = self.call("detail", "GET", f"/api/v1/claims/{claim_id}/")
        if status != 200 or not data:
            return None
        return data

    def op_edit(self):
        claim_id = self.some_claim()
        current = claim_id is not None and self._read_for_write(claim_id)
        if not current:
            return
        statement = self.unique("edit")
        status, headers, data = self.call(
            "edit",
            "PATCH",
            f"/api/v1/claims/{claim_id}/",
            {"statement": statement},
            {"If-Match": f'"{current["version"]}"'},
        )
        if status == 200 and data:
            ack = Ack("edit", claim_id, data["version"], data["statement"], data["status"])
            with self.ledger.lock:
                self.ledger.acks.append(ack)
        elif status is None or status >= 500:
            with self.ledger.lock:
                self.ledger.doubts.append(("edit", claim_id, statement))

    def op_review(self):
        claim_id = self.some_claim()
        current = claim_id is not None and self._read_for_write(claim_id)
        if not current:
            return
        # Editors may move a claim into review and back; verdicts need evidence and a reviewer.
        target = "in_review" if current["status"] == "unverified" else "unverified"
        rationale = self.unique("review")
        status, headers, data = self.call(
            "review",
            "POST",
            f"/api/v1/claims/{claim_id}/reviews/",
            {"status": target, "rationale": rationale},
            {"If-Match": f'"{current["version"]}"'},
        )
        version = _version(headers)
        if status == 201 and data and version is not None:
            # If-Match held, so the statement is still the one read at that version.
            ack = Ack("review", claim_id, version, current["statement"], target,
                      review_id=data.get("id"), rationale=rationale)  # fmt: skip
            with self.ledger.lock:
                self.ledger.acks.append(ack)
        elif status is None or status >= 500:
            with self.ledger.lock:
                self.ledger.doubts.append(("review", claim_id, rationale))


class Prober(threading.Thread):
    """Polls /readyz and one API read a few times a second, as a load balancer would."""

    def __init__(self, port: int, stop: threading.Event, interval: float = 0.25):
        super().__init__(name="soak-prober", daemon=True)
        self.client = Client(port, timeout=5)
        self.stop, self.interval = stop, interval
        self.samples: list[tuple[float, str, int | None, bool]] = []

    def run(self) -> None:
        while not self.stop.is_set():
            for name, path in (("readyz", "/readyz"), ("api", "/api/v1/claims/?page_size=1")):
                status, headers, data = self.client.request("GET", path)
                is_json = headers.get("content-type", "").startswith("application/json")
                self.samples.append((time.monotonic(), name, status, is_json))
            self.stop.wait(self.interval)
        self.client.close()
