"""Malformed input answers a 4xx with a stable code: JSON under /api/, a product page elsewhere.

Each case here is a request an outside probe sent that once answered 500 (or Django's bare HTML
400/404); ``test_api_fuzz.py`` keeps looking for new ones over the whole schema.
"""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from relationships.models import Role
from tests.conftest import api_client_for, session_client_for
from tests.factories import make_relationship
from tests.lifecycle.builders import add_evidence, name_ser, pass_gate, requirements_of

pytestmark = pytest.mark.django_db


def cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code, body
    assert body["message"]
    return body


@pytest.fixture
def admin(world):
    return api_client_for(world.member("own", Role.ADMIN))


@pytest.fixture
def base(world):
    return f"/api/v1/orgs/{world.own.slug}"


def test_patching_the_framework_with_nothing_names_the_missing_field(admin, base, world):
    url = f"{base}/relationships/{world.relationship.pk}/framework/"
    body = assert_json_error(admin.patch(url, {}, format="json"), 400, "validation_error")
    assert "member_quorum" in body["fields"]


@pytest.mark.parametrize(
    "position",
    ["abc", "p\x00", "9" * 40, "1e999"],
    ids=["not-a-number", "nul-byte", "beyond-bigint", "float-overflow"],
)
@pytest.mark.parametrize(
    "list_path",
    [
        "relationships/?ordering=current_stage&cursor={}",
        "relationships/?ordering=name&cursor={}",
        "relationships/{relationship}/requirements/?cursor={}",
        "members/?cursor={}",
        "audit-events/?cursor={}",
    ],
)
def test_a_cursor_the_list_did_not_give_out_is_refused(admin, base, world, list_path, position):
    path = list_path.replace("{relationship}", str(world.relationship.pk))
    response = admin.get(f"{base}/{path.format(cursor(f'p={position}'))}")
    if "ordering=name" in list_path and "\x00" not in position:
        assert response.status_code == 200  # any other text may be a name
        return
    body = assert_json_error(response, 400, "invalid_cursor")
    assert "cursor" in body["fields"]


def test_a_cursor_with_a_bad_offset_is_refused_the_same_way(admin, base):
    url = f"{base}/relationships/?cursor={cursor('o=many')}"
    assert_json_error(admin.get(url), 400, "invalid_cursor")


def test_a_good_cursor_still_pages(admin, base, world):
    make_relationship(lead=world.own, name="Second relationship")
    first = admin.get(f"{base}/relationships/?ordering=current_stage&page_size=1").json()
    assert first["next"]
    assert admin.get(first["next"]).status_code == 200


# The last one is an Arabic-Indic digit: a digit to str.isdigit(), not to the schema.
@pytest.mark.parametrize("size", ["0", "-1", "201", "abc", "1.5", "\u0661"])
def test_a_page_size_out_of_range_is_refused(admin, base, size):
    body = assert_json_error(
        admin.get(f"{base}/relationships/", {"page_size": size}), 400, "validation_error"
    )
    assert "page_size" in body["fields"]


def test_a_search_with_a_nul_byte_is_refused(admin, base):
    body = assert_json_error(
        admin.get(f"{base}/relationships/", {"search": "north\x00wind"}), 400, "validation_error"
    )
    assert "search" in body["fields"]
    assert_json_error(admin.get(f"{base}/members/", {"search": "\x00"}), 400, "validation_error")


def test_a_deeply_nested_body_is_a_parse_error(admin, base):
    body = "[" * 100_000 + "]" * 100_000
    response = admin.generic(
        "PATCH", f"{base}/", body, content_type="application/json"
    )  # PATCH the organization: the body is parsed before anything else
    assert_json_error(response, 400, "parse_error")


def test_a_json_body_over_the_limit_is_refused_before_it_is_parsed(admin, base, settings):
    huge = '{"name": "' + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + '"}'
    response = admin.generic("PATCH", f"{base}/", huge, content_type="application/json")
    assert_json_error(response, 400, "request_too_large")


def test_form_bodies_are_not_an_api_format(admin, base):
    response = admin.generic(
        "PATCH", f"{base}/", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert_json_error(response, 415, "unsupported_media_type")


def test_too_many_fields_in_an_upload_answer_json(admin, base, world):
    data = {f"field{i}": "x" for i in range(2_000)}
    url = f"{base}/relationships/{world.relationship.pk}/evidence/"
    assert_json_error(admin.post(url, data, format="multipart"), 400, "too_many_fields")


def test_an_oversized_upload_form_answers_json(admin, base, world, settings):
    data = {"title": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1), "kind": "note"}
    url = f"{base}/relationships/{world.relationship.pk}/evidence/"
    assert_json_error(admin.post(url, data, format="multipart"), 400, "request_too_large")


@pytest.mark.parametrize(
    "path",
    ["relationships/abc/", "relationships/1.5/parties/", "members/%00/", "nothing-here/"],
)
def test_an_unroutable_api_path_answers_json_404(admin, base, path):
    assert_json_error(admin.get(f"{base}/{path}"), 404, "not_found")


def test_an_unknown_api_root_path_answers_json_404():
    assert_json_error(Client().get("/api/v1/no-such-thing/"), 404, "not_found")


def test_the_browser_gets_a_product_page_for_a_body_too_large(world, settings):
    client = session_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    url = f"/o/{world.own.slug}/relationships/new/"
    data = {"name": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    response = client.post(url, data, format="multipart")  # as a browser form posts
    assert response.status_code == 400
    page = response.content.decode()
    assert "The request is too large" in page
    assert "Nothing was saved" in page
    assert "<nav" in page  # the product's own layout, not Django's bare page


def test_the_browser_gets_a_product_page_for_too_many_fields(world):
    client = session_client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    data = {f"field{i}": "x" for i in range(2_000)}
    response = client.post(f"/o/{world.own.slug}/relationships/new/", data, format="multipart")
    assert response.status_code == 400
    assert "too many fields" in response.content.decode()


def test_ledger_entries_send_null_not_an_empty_gate_kind(world):
    lead = world.member("own", Role.RELATIONSHIP_MANAGER)
    ser = world.member("own", Role.EXECUTIVE)
    name_ser(world.relationship, ser)
    pass_gate(world.relationship, lead, [ser])
    client = api_client_for(lead)
    url = f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/decisions/"
    entries = client.get(url).json()["results"]
    kinds = {entry["kind"]: entry["gate_kind"] for entry in entries}
    assert kinds["gate_requested"] == "advance"
    assert kinds["approved"] is None
    assert "" not in kinds.values()


def test_evidence_sends_null_not_an_empty_url(world):
    manager = world.member("own", Role.RELATIONSHIP_MANAGER)
    [requirement, *_] = requirements_of(world.relationship, world.own, stage=1)
    note = add_evidence(requirement, manager, note="Minutes of the board.")
    client = api_client_for(manager)
    url = f"/api/v1/orgs/{world.own.slug}/relationships/{world.relationship.pk}/evidence/{note.pk}/"
    assert client.get(url).json()["url"] is None


# --- strict reading: a client's mistake is an error, not a silently different answer -----------


def test_an_unknown_query_parameter_is_refused_not_ignored(admin, base, world):
    body = assert_json_error(
        admin.get(f"{base}/relationships/", {"stag": "3"}), 400, "unknown_parameter"
    )
    assert body["fields"] == {"stag": ["Not a parameter of this operation."]}
    assert "stage" in body["message"]  # what the operation does read
    detail = f"{base}/relationships/{world.relationship.pk}/"
    assert_json_error(admin.get(detail, {"page_size": "5"}), 400, "unknown_parameter")
    assert admin.get(f"{base}/relationships/", {"stage": "1", "page_size": "5"}).status_code == 200


def test_a_parameter_of_one_value_given_twice_is_refused(admin, base, world):
    lists = f"{base}/relationships/"
    body = assert_json_error(admin.get(f"{lists}?stage=1&stage=2"), 400, "validation_error")
    assert body["fields"] == {"stage": ["Takes one value."]}
    assert_json_error(admin.get(f"{lists}?page_size=5&page_size=9"), 400, "validation_error")
    risks = f"{base}/relationships/{world.relationship.pk}/risks/"
    assert admin.get(f"{risks}?status=open&status=closed").status_code == 200  # several values


@pytest.mark.parametrize("value", ["maybe", "null", "-3", "yes please"])
def test_a_boolean_filter_refuses_what_is_not_true_or_false(admin, base, value):
    body = assert_json_error(
        admin.get(f"{base}/relationships/", {"archived": value}), 400, "validation_error"
    )
    assert "archived" in body["fields"]


@pytest.mark.parametrize("value", ["true", "false", "1", "0", "TRUE"])
def test_a_boolean_filter_reads_true_and_false(admin, base, value):
    assert admin.get(f"{base}/relationships/", {"archived": value}).status_code == 200


@pytest.mark.parametrize("value", [12, 1.5, True, ["a"], {"a": 1}])
def test_a_text_field_takes_text_only(admin, base, world, value):
    url = f"{base}/relationships/{world.relationship.pk}/"
    body = assert_json_error(
        admin.patch(url, {"description": value}, format="json"), 400, "validation_error"
    )
    assert "description" in body["fields"]


@pytest.mark.parametrize("param", ["status", "type", "stage", "archived"])
def test_an_empty_typed_filter_is_refused(admin, base, param):
    body = assert_json_error(admin.get(f"{base}/relationships/?{param}="), 400, "validation_error")
    assert param in body["fields"]


def test_an_empty_text_filter_means_no_filter(admin, base):
    assert admin.get(f"{base}/relationships/?search=&partner=").status_code == 200
