"""The OpenAPI description: served, valid OpenAPI 3, complete, and generated without warnings."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ORG = "/api/v1/orgs/{org_slug}"
EXPECTED = {
    "/api/v1/auth/token/": {"post"},
    f"{ORG}/": {"get", "patch"},
    f"{ORG}/members/": {"get"},
    f"{ORG}/members/{{id}}/": {"get", "put", "patch", "delete"},
    f"{ORG}/members/{{id}}/unlock/": {"post"},
    f"{ORG}/member-invitations/": {"get", "post"},
    f"{ORG}/member-invitations/{{id}}/": {"get", "delete"},
    f"{ORG}/member-invitations/{{id}}/resend/": {"post"},
    f"{ORG}/relationships/": {"get", "post"},
    f"{ORG}/relationships/{{id}}/": {"get", "put", "patch", "delete"},
    f"{ORG}/relationships/{{id}}/restore/": {"post"},
    f"{ORG}/relationships/{{relationship}}/parties/": {"get", "post"},
    f"{ORG}/relationships/{{relationship}}/parties/{{id}}/": {"get", "put", "patch", "delete"},
    f"{ORG}/invitations/": {"get"},
    f"{ORG}/invitations/{{id}}/": {"get"},
    f"{ORG}/invitations/{{id}}/accept/": {"post"},
    f"{ORG}/invitations/{{id}}/decline/": {"post"},
    f"{ORG}/tokens/": {"get", "post"},
    f"{ORG}/tokens/{{id}}/": {"get", "delete"},
    f"{ORG}/audit-events/": {"get"},
    f"{ORG}/audit-events/{{id}}/": {"get"},
}


@pytest.fixture(scope="module")
def schema():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on an invalid document


def test_every_operation_is_described(schema):
    for path, methods in EXPECTED.items():
        assert path in schema["paths"], path
        assert set(schema["paths"][path]) - {"parameters"} == methods, path


def test_errors_and_examples_are_described(schema):
    create = schema["paths"][f"{ORG}/relationships/"]["post"]
    assert {"201", "400", "401", "403", "404"} <= set(create["responses"])
    error = create["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
    assert error == "#/components/schemas/Error"
    assert set(schema["components"]["schemas"]["Error"]["properties"]) == {
        "code",
        "message",
        "fields",
        "retry_after_seconds",  # throttled, locked_out
        "missing",  # requirements_unmet
    }
    for path in (
        f"{ORG}/relationships/",
        f"{ORG}/member-invitations/",
        f"{ORG}/tokens/",
        "/api/v1/auth/token/",
    ):
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        assert body.get("examples"), path
    assert "security" not in schema  # no document-wide requirement: each operation says
    assert schema["paths"]["/api/v1/auth/token/"]["post"].get("security", []) in ([], [{}])
    assert create["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]


def test_generation_has_no_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))
    assert yaml.safe_load((tmp_path / "s.yaml").read_text())["paths"]


def _json_schema(node):
    """OpenAPI 3.0 to JSON Schema: ``nullable: true`` becomes a ``null`` alternative."""
    if isinstance(node, list):
        return [_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def _examples(schema):
    """(where, example value, JSON schema) of every example of every operation."""
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            bodies = [("request", operation.get("requestBody", {}).get("content", {}))]
            bodies += [
                (f"response {status}", response.get("content", {}))
                for status, response in operation["responses"].items()
            ]
            for where, content in bodies:
                for media_type, body in content.items():
                    for name, example in (body.get("examples") or {}).items():
                        label = f"{method.upper()} {path} {where} {media_type}: {name}"
                        yield label, example["value"], body["schema"]


def test_every_example_is_valid_against_its_own_schema(schema):
    """An example a client copies must be one the API takes (or gives)."""
    from jsonschema import Draft7Validator

    components = _json_schema(schema["components"])
    checked = 0
    for label, value, body_schema in _examples(schema):
        if "multipart" in label:
            continue  # a form of fields, not a JSON document
        validator = Draft7Validator({**_json_schema(body_schema), "components": components})
        problems = [error.message for error in validator.iter_errors(value)]
        assert not problems, f"{label}: {problems}"
        checked += 1
    assert checked >= 8
