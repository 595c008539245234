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
