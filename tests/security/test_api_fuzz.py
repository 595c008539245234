"""schemathesis over the whole OpenAPI schema, as a signed-in demo member, with every check.

Each operation of ``/api/schema/`` gets requests generated from its own schema, valid and
invalid alike, sent to the application in-process (WSGI). Every response must be one the schema
promises: no server error, a documented status code, a body that matches its schema, invalid
input refused with a 4xx. The demo data gives the requests something to find; the path's
organization is the demo's Northwind, so the operations reach past the 404 of an unknown
organization.

``make test`` runs a quick profile (``CBRMS_FUZZ_EXAMPLES``, 8 examples per operation);
``make fuzz`` runs the full one (100 per operation, see the Makefile).
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from relationships.models import Membership, PartyRole, Relationship
from tests.factories import make_token

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Under pytest-xdist the operations would not become tests of their own, and the fuzz
    # would pass without having run: refuse instead.
    pytest.fail(
        "The API fuzz runs in one process: `make test` (no ARGS) runs it after the rest, "
        "`make fuzz` runs the full profile, or pass TEST_PROCESSES='-n 0' with ARGS.",
        pytrace=False,
    )

EXAMPLES = int(os.environ.get("CBRMS_FUZZ_EXAMPLES", "8"))
FUZZ_AS = ("admin@northwind.example", "northwind")


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo data, seeded once for the module and rolled back after it.

    The requests run through Django's WSGI handler, which closes the database connection when
    a response is done; like Django's test client, the module keeps it open, inside the
    transaction that holds the demo data.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield from _seeded(django_db_blocker)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _seeded(django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        email, slug = FUZZ_AS
        membership = Membership.objects.unscoped().get(user__email=email, organization__slug=slug)
        partnership = (
            Relationship.objects.unscoped()
            .filter(parties__organization__slug=slug, parties__role=PartyRole.LEAD)
            .order_by("-current_stage", "id")
            .first()
        )
        TOKEN["value"] = make_token(membership)
        yield {"slug": slug, "relationship": partnership.pk}
        transaction.set_rollback(True)


def _load_schema():
    """The schema as ``/api/schema/`` serves it, generated without a request or a database."""
    from drf_spectacular.generators import SchemaGenerator

    config = SchemathesisConfig.from_dict(
        {
            "checks": {
                # A request can match the schema and still be refused for what a schema cannot
                # say: an id that names nothing, an unknown catalog version, a wrong password.
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
                }
            }
        }
    )
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(document, config=config)
    loaded.app = WSGIHandler()
    return loaded


schema = _load_schema()
#: The demo member's API token, set by the ``demo`` fixture for the provider below.
TOKEN: dict[str, str] = {}


@schema.auth(refresh_interval=None)  # read each time: the token changes with the module
class DemoMemberToken:
    """The bearer token of the demo member, sent with every request (schemathesis's checks
    know it for valid authentication and try the operation without it, and with a bad one)."""

    def get(self, case, context):
        return TOKEN.get("value", "not-yet")  # schemathesis asks once at collection, too

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_every_operation_keeps_its_schema(case, demo, db):
    # Every request acts as the demo organization, on its most advanced relationship.
    case.path_parameters = {**(case.path_parameters or {}), "org_slug": demo["slug"]}
    if "relationship" in case.path_parameters:
        case.path_parameters["relationship"] = demo["relationship"]
    # Each request is rolled back on its own, so no example changes what the next one finds
    # (a revoked token, an archived relationship).
    with transaction.atomic():
        response = case.call()
        transaction.set_rollback(True)
    case.validate_response(response)


def test_every_request_body_is_read_strictly():
    """Every operation that reads a body reads it with an ``InputSerializer`` (text is text)."""
    from drf_spectacular.generators import SchemaGenerator

    from cbrms.api.serializers import StrictTextMixin

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    checked = []
    for path, path_regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        view.schema.path, view.schema.path_regex, view.schema.method = path, path_regex, method
        body = view.schema.get_request_serializer()
        if body is None:
            continue
        body_class = body if isinstance(body, type) else type(body)
        assert issubclass(body_class, StrictTextMixin), f"{method} {path}: {body_class.__name__}"
        checked.append((method, path))
    assert len(checked) >= 15, checked
