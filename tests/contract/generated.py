"""A Python client generated from the live schema with the pinned openapi-python-client, and a
thin wrapper that calls its operations by operation id and records every answer.

The wrapper adds no leniency: the generated functions build the requests and parse the answers
with the generated models, and the generated client raises on any status the schema does not
declare for the operation (`raise_on_unexpected_status`).
"""

import importlib
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import attrs
import httpx

PACKAGE = "claimtrack_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# No post hooks: the generator's default runs ruff from PATH, which is the project's business.
GENERATOR_CONFIG = "post_hooks: []\n"


def generate_client(schema: dict, directory: Path):
    """Generates the client package into `directory` and imports it; fails on any warning."""
    schema_path = directory / "openapi.json"
    schema_path.write_text(json.dumps(schema), encoding="utf-8")
    config_path = directory / "generator.yaml"
    config_path.write_text(GENERATOR_CONFIG, encoding="utf-8")
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(schema_path),
            "--meta",
            "none",
            "--output-path",
            str(directory / PACKAGE),
            "--config",
            str(config_path),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "warning" not in output.lower(), output
    sys.path.insert(0, str(directory))
    try:
        package = importlib.import_module(PACKAGE)
        for module in ("models", "types", "errors"):
            importlib.import_module(f"{PACKAGE}.{module}")
        return package
    finally:
        sys.path.remove(str(directory))


def forget_client() -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


@dataclass
class Answer:
    operation_id: str
    status: int
    content_type: str


@dataclass
class Api:
    """The generated client, called by operation id."""

    package: object
    schema: dict
    base_url: str
    answers: list[Answer] = field(default_factory=list)

    def __post_init__(self):
        self.operations = {
            operation["operationId"]: (path, method, operation)
            for path, methods in self.schema["paths"].items()
            for method, operation in methods.items()
        }

    def client(self, token: str | None = None):
        """A generated client: anonymous, or sending `Authorization: Token <token>`."""
        if token is None:
            return self.package.Client(base_url=self.base_url, raise_on_unexpected_status=True)
        return self.package.AuthenticatedClient(
            base_url=self.base_url, token=token, prefix="Token", raise_on_unexpected_status=True
        )

    def module(self, operation_id: str):
        _, _, operation = self.operations[operation_id]
        tag = operation["tags"][0]
        # The generator names a package after its tag, with "-" as "_" (`external-reviews`).
        return importlib.import_module(f"{PACKAGE}.api.{tag.replace('-', '_')}.{operation_id}")

    def call(self, operation_id: str, *, token: str | None = None, expect: int = 200, **kwargs):
        """Calls the operation with the generated function; the answer must have status
        `expect` and parse into the generated models (an error into `Error`)."""
        # One connection per call, closed after it: a kept-alive connection would hold a live
        # server thread, and its database connection, past the test.
        with self.client(token) as client:
            response = self.module(operation_id).sync_detailed(client=client, **kwargs)
        content_type = response.headers.get("content-type", "").split(";")[0]
        self.answers.append(Answer(operation_id, int(response.status_code), content_type))
        assert response.status_code == expect, (
            f"{operation_id}: {response.status_code}, expected {expect}: {response.content[:600]!r}"
        )
        if expect >= 400:
            assert isinstance(response.parsed, self.package.models.Error), response.parsed
            assert response.parsed.status == expect
        elif response.content:
            assert_declared_fields_only(response.parsed, self.package.models.Error)
        return response

    def send(self, operation_id: str, request: dict, *, token: str | None = None, expect: int):
        """Sends a request the generated function cannot (another method, another content
        type, `?format=csv`) through the generated client's own HTTP client, and records it."""
        with self.client(token) as client:
            response = client.get_httpx_client().request(**request)
        content_type = response.headers.get("content-type", "").split(";")[0]
        self.answers.append(Answer(operation_id, response.status_code, content_type))
        assert response.status_code == expect, (response.status_code, response.text[:600])
        return response

    def error(self, response: httpx.Response):
        """An error answer parsed by the generated Error model."""
        error = self.package.models.Error.from_dict(response.json())
        assert error.status == response.status_code
        return error

    def declared_content_types(self, operation_id: str, status: int) -> set[str]:
        _, _, operation = self.operations[operation_id]
        return set(operation["responses"].get(str(status), {}).get("content", {}))


def assert_declared_fields_only(value, error_model) -> None:
    """Every object of an answer has only the members the schema declares.

    The generated models keep undeclared members in `additional_properties`, so an answer
    richer than its schema would parse silently. Objects that are maps (only
    `additional_properties`) and the error shape (open by design) are exempt.
    """
    if isinstance(value, list):
        for item in value:
            assert_declared_fields_only(item, error_model)
        return
    if not attrs.has(type(value)):
        return
    names = [f.name for f in attrs.fields(type(value))]
    if names != ["additional_properties"] and not isinstance(value, error_model):
        assert not value.additional_properties, (
            f"{type(value).__name__} answered undeclared members "
            f"{sorted(value.additional_properties)}"
        )
    for name in names:
        if name != "additional_properties":
            assert_declared_fields_only(getattr(value, name), error_model)
