"""docs/api.md works as written: every curl command in its `sh` blocks, replayed on the demo data.

The commands run in the order of the page, through DRF's test client instead of a network, with
the little shell they need: line continuations, `$VARIABLES` (not inside single quotes),
`NAME=$(curl … | jq [-r] .path)`, `cat > file <<EOF … EOF` and `curl --data @file`. Other
lines (`./dev serve`, `manage.py …`, `read …`) are for the reader and are skipped; what they would
give, the test provides: an editor `alice` made with `create_user` and her token in `$TOKEN`, and
a password for her in `$PASSWORD`.

A `sh` block followed directly by a response that starts with a status line (`HTTP/1.1 400 …`,
shown with `curl -i`) documents its one command's answer: the status and the headers shown must
match, and so must an error's JSON body. Any other command must answer 2xx.
"""

import io
import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"
# The server the page talks to, and the one the test client's links point to.
SERVERS = ("http://127.0.0.1:8000", "http://testserver")
PASSWORD = "correct-horse-battery-staple"

FENCE = re.compile(r"^```\s*(\w*)")
HEREDOC = re.compile(r"\s*<<-?\s*(['\"]?)(\w+)\1")
CAPTURE = re.compile(r"^([A-Z_][A-Z0-9_]*)=\$\((.*)\)$", re.DOTALL)
WRITE_FILE = re.compile(r"^cat\s*>\s*(\S+)$")
VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
STATUS_LINE = re.compile(r"^HTTP/[\d.]+ (\d{3})")
CURL_FLAGS = {"-s", "-S", "-sS", "--silent", "--show-error", "-i", "--include", "-L", "--location"}


@dataclass
class Shown:
    """A response as the page shows it after a command run with `curl -i`."""

    status: int
    headers: dict[str, str]
    body: str


@dataclass
class Command:
    """One logical shell line of the page, with the here-document it reads, if any."""

    line: int
    text: str
    stdin: str | None = None
    expand_stdin: bool = True
    shown: Shown | None = None


@dataclass
class Block:
    """A fenced code block of the page."""

    lang: str
    line: int  # of the first line inside the fence, counted from 1
    lines: list[str]
    end: int = 0  # index of the line after the closing fence, counted from 0
    followed_by: "Block | None" = None


def read_blocks(markdown: str) -> list[Block]:
    """The fenced code blocks of a Markdown page; each knows the block right after it, if only
    blank lines separate the two."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    current: Block | None = None
    for index, line in enumerate(lines):
        fence = FENCE.match(line)
        if current is None and fence:
            current = Block(fence.group(1).lower(), index + 2, [])
            between = lines[blocks[-1].end : index] if blocks else ["text"]
            if not any(text.strip() for text in between):
                blocks[-1].followed_by = current
        elif current is not None and line.strip() == "```":
            current.end = index + 1
            blocks.append(current)
            current = None
        elif current is not None:
            current.lines.append(line)
    return blocks


def read_shown(block: Block) -> Shown | None:
    """The status, headers and body of a response block that starts with a status line."""
    status = STATUS_LINE.match(block.lines[0]) if block.lines else None
    if not status:
        return None
    headers, rest = {}, block.lines[1:]
    while rest and rest[0].strip():
        name, _, value = rest.pop(0).partition(":")
        headers[name.strip().lower()] = value.strip()
    return Shown(int(status.group(1)), headers, "\n".join(rest).strip())


def read_commands(block: Block) -> list[Command]:
    """The logical lines of a shell block: continuations joined, comments and blanks left out."""
    commands = []
    lines = list(enumerate(block.lines, start=block.line))
    while lines:
        number, text = lines.pop(0)
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        while text.endswith("\\") and lines:
            text = text[:-1] + " " + lines.pop(0)[1].strip()
        command = Command(number, text.strip())
        heredoc = HEREDOC.search(command.text)
        if heredoc:
            command.text = HEREDOC.sub("", command.text, count=1).strip()
            command.expand_stdin = not heredoc.group(1)
            body = []
            while lines and lines[0][1] != heredoc.group(2):
                body.append(lines.pop(0)[1])
            lines = lines[1:]  # the delimiter
            command.stdin = "\n".join(body) + "\n"
        commands.append(command)
    if block.followed_by and (shown := read_shown(block.followed_by)):
        assert len(commands) == 1, f"api.md:{block.line}: a shown response needs one command"
        commands[0].shown = shown
    return commands


def doc_commands() -> list[Command]:
    blocks = read_blocks(DOC.read_text(encoding="utf-8"))
    return [c for b in blocks if b.lang in ("sh", "bash") for c in read_commands(b)]


def expand(text: str, variables: dict[str, str]) -> str:
    """`$NAME` and `${NAME}` replaced as the shell does: everywhere except in single quotes."""
    out, single, double, i = [], False, False, 0
    while i < len(text):
        char = text[i]
        if char == "\\" and not single:
            out.append(text[i : i + 2])
            i += 2
            continue
        if char == "'" and not double:
            single = not single
        elif char == '"' and not single:
            double = not double
        elif char == "$" and not single and (match := VARIABLE.match(text, i)):
            name = match.group(1) or match.group(2)
            if name not in variables:
                raise LookupError(f"${name} is used before any command sets it")
            out.append(variables[name])
            i = match.end()
            continue
        out.append(char)
        i += 1
    return "".join(out)


def jq_path(data, program: str):
    """What `jq` prints for a plain path such as `.results[0].id` (all the page needs)."""
    if not re.fullmatch(r"(\.\w+|\[\d+\])+|\.", program):
        raise ValueError(f"the test's jq knows plain paths only, not {program!r}")
    for name, index in re.findall(r"\.(\w+)|\[(\d+)\]", program):
        data = data[int(index)] if index else data[name]
    return data


@dataclass
class Replay:
    """The page's commands run in order, as one reader would in one terminal."""

    client: APIClient
    variables: dict[str, str]
    files: dict[str, str] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    requests: list[tuple[str, str, int]] = field(default_factory=list)

    def run(self, command: Command) -> None:
        try:
            self._run(command)
        except (AssertionError, LookupError, ValueError, StopIteration) as exc:
            self.failures.append(f"api.md:{command.line}: {command.text[:90]}\n    {exc}")

    def _run(self, command: Command) -> None:
        if write := WRITE_FILE.match(command.text):
            text = command.stdin or ""
            self.files[write.group(1)] = (
                expand(text, self.variables) if command.expand_stdin else text
            )
        elif capture := CAPTURE.match(command.text):
            name, pipeline = capture.groups()
            curl, rest = self._split(pipeline)
            response = self._curl(curl, command)
            assert 200 <= response.status_code < 300, self._describe(response)
            assert rest[:1] == ["jq"], "a captured curl must be piped into jq"
            raw = "-r" in rest
            program = [arg for arg in rest[1:] if arg != "-r"][0]
            value = jq_path(response.json(), program)
            assert value is not None, f"jq {program} found nothing"
            self.variables[name] = value if raw and isinstance(value, str) else json.dumps(value)
        elif command.text.startswith("curl "):
            curl, _ = self._split(command.text)
            response = self._curl(curl, command)
            self._check(response, command.shown)

    def _split(self, pipeline: str) -> tuple[list[str], list[str]]:
        """The curl command's arguments, and what it is piped into (only shown to the reader)."""
        words = shlex.split(expand(pipeline, self.variables))
        if "|" in words:
            cut = words.index("|")
            return words[:cut], words[cut + 1 :]
        return words, []

    def _curl(self, args: list[str], command: Command):
        assert args[0] == "curl", f"expected curl, got {args[0]!r}"
        method, data, url, headers = None, None, None, {"accept": "*/*"}
        words = iter(args[1:])
        for word in words:
            if word in CURL_FLAGS:
                continue
            if word in ("-H", "--header"):
                name, _, value = next(words).partition(":")
                headers[name.strip().lower()] = value.strip()
            elif word in ("-X", "--request"):
                method = next(words)
            elif word in ("-d", "--data", "--data-raw", "--data-binary"):
                data = self._data(next(words), word, command)
            elif word in ("-o", "--output"):
                next(words)
            elif word.startswith("-"):
                raise ValueError(f"the test does not know the curl option {word}")
            else:
                url = word
        server = next((s for s in SERVERS if url and url.startswith(s + "/")), None)
        assert server, f"{url!r} is not on {SERVERS[0]}"
        method = method or ("POST" if data is not None else "GET")
        # curl sends -d data as a form unless told otherwise.
        content_type = headers.pop("content-type", "application/x-www-form-urlencoded")
        meta = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
        path = url[len(server) :]
        response = self.client.generic(
            method, path, data=(data or "").encode(), content_type=content_type, **meta
        )
        self.requests.append((method, path.partition("?")[0], response.status_code))
        return response

    def _data(self, value: str, option: str, command: Command) -> str:
        if not value.startswith("@") or option == "--data-raw":
            return value
        name = value[1:]
        if name == "-":
            assert command.stdin is not None, "--data @- without a here-document"
            text = command.stdin
        else:
            assert name in self.files, f"{name} was not written by an earlier command"
            text = self.files[name]
        # Like curl: -d @file drops line breaks, --data-binary keeps them.
        return text if option == "--data-binary" else text.replace("\r", "").replace("\n", "")

    def _check(self, response, shown: Shown | None) -> None:
        if shown is None:
            assert 200 <= response.status_code < 300, self._describe(response)
            return
        assert response.status_code == shown.status, self._describe(response)
        for name, value in shown.headers.items():
            assert response.get(name) == value, f"header {name}: {response.get(name)!r}"
        if shown.status >= 400:
            assert response.json() == json.loads(shown.body), self._describe(response)

    @staticmethod
    def _describe(response) -> str:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return f"answered {response.status_code}: {body.decode(errors='replace')[:400]}"


@pytest.fixture
def replay(db, monkeypatch) -> Replay:
    """The page replayed on the demo data, with `alice` the editor the page creates."""
    call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command("create_user", "alice", "--role", "editor", "--password-stdin", stdout=out)
    token = out.getvalue().splitlines()[1].strip()
    assert get_user_model().objects.get(username="alice").check_password(PASSWORD)
    session = Replay(APIClient(), {"TOKEN": token, "PASSWORD": PASSWORD})
    for command in doc_commands():
        session.run(command)
    return session


def test_every_curl_example_in_the_api_docs_answers_as_documented(replay):
    assert not replay.failures, "\n" + "\n".join(replay.failures)


def test_the_api_docs_examples_cover_reading_exporting_logging_in_and_writing(replay):
    answered: dict[tuple[str, str], set[int]] = {}
    for method, path, status in replay.requests:
        answered.setdefault((method, path), set()).add(status)
    for path in [
        "/api/v1/claims/",
        "/api/v1/claims/stats/",
        "/api/v1/countries/",
        "/api/v1/actors/",
        "/api/v1/events/",
        "/api/v1/sources/",
        "/api/schema/",
    ]:
        assert 200 in answered.get(("GET", path), set()), path
    assert answered[("POST", "/api/v1/auth/token/")] == {200}
    assert answered[("POST", "/api/v1/citations/")] == {201}
    assert {400, 401, 403, 404} <= {status for _, _, status in replay.requests}
