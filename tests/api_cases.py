"""Generic API test cases that every org-scoped resource fills in.

Subclass ``ResourceCases`` in ``tests/<app>/test_api_<resource>.py``, set the class attributes
and implement the hooks; pytest collects the inherited tests for each resource. Each test
asserts something a client would notice: the data it gets, the status it gets, and that a
list's query count does not grow with its page size.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import connection
from django.test.utils import CaptureQueriesContext

from relationships.models import Role
from tests.conftest import World, api_client_for

ALL_ROLES = frozenset(Role.values)


class ResourceCases:
    """Hooks (``world`` is the fixture of tests/conftest.py; objects belong to ``own``)."""

    #: path under /api/v1/orgs/{org}/, e.g. "relationships/{relationship}/parties/"
    path: ClassVar[str]
    read_roles: ClassVar[frozenset[str]] = ALL_ROLES
    write_roles: ClassVar[frozenset[str]] = frozenset({Role.ADMIN, Role.RELATIONSHIP_MANAGER})
    delete_roles: ClassVar[frozenset[str] | None] = None  # defaults to write_roles
    #: which of the generic operations the resource offers
    operations: ClassVar[frozenset[str]] = frozenset(
        {"list", "retrieve", "create", "update", "delete"}
    )
    delete_status: ClassVar[int] = 204

    # --- hooks -------------------------------------------------------------------------
    def make_object(self, world: World):
        raise AssertionError("make_object() must be implemented")

    def create_payload(self, world: World) -> dict:
        raise AssertionError("create_payload() must be implemented")

    def update_payload(self, world: World, obj) -> dict:
        raise AssertionError("update_payload() must be implemented")

    def object_id(self, obj) -> str:
        return str(obj.pk)

    def path_params(self, world: World) -> dict:
        return {"relationship": world.relationship.pk}

    def check_updated(self, obj, payload: dict) -> None:
        obj.refresh_from_db()
        for key, value in payload.items():
            assert getattr(obj, key) == value, key

    def check_deleted(self, world: World, obj) -> None:
        """Default: the object is gone from the list."""
        response = self.client_for(world, "own", Role.ADMIN).get(self.list_url(world))
        ids = [str(row["id"]) for row in response.json()["results"]]
        assert self.object_id(obj) not in ids

    # --- helpers -------------------------------------------------------------------------
    def list_url(self, world: World, slug: str | None = None) -> str:
        slug = slug or world.own.slug
        return f"/api/v1/orgs/{slug}/" + self.path.format(**self.path_params(world))

    def detail_url(self, world: World, obj, slug: str | None = None) -> str:
        return self.list_url(world, slug) + f"{self.object_id(obj)}/"

    def client_for(self, world: World, position: str, role: str):
        return api_client_for(world.member(position, role))

    def __init_subclass__(cls, **kwargs):
        """Collect only the cases of the operations the resource offers (no skipped tests)."""
        super().__init_subclass__(**kwargs)
        for operation in ("list", "retrieve", "create", "update", "delete"):
            if operation not in cls.operations:
                setattr(cls, f"test_{operation}", None)
        if "list" not in cls.operations:
            cls.test_list_query_count_does_not_grow = None
        if not (ALL_ROLES - cls.write_roles) or not ({"create", "update"} & cls.operations):
            cls.test_weaker_role_gets_403 = None

    # --- the cases -----------------------------------------------------------------------
    def test_list(self, world):
        obj = self.make_object(world)
        for role in self.read_roles:
            response = self.client_for(world, "own", role).get(self.list_url(world))
            assert response.status_code == 200, (role, response.content)
            ids = [str(row["id"]) for row in response.json()["results"]]
            assert self.object_id(obj) in ids

    def test_retrieve(self, world):
        obj = self.make_object(world)
        response = self.client_for(
            world, "own", Role.VIEWER if Role.VIEWER in self.read_roles else Role.ADMIN
        ).get(self.detail_url(world, obj))
        assert response.status_code == 200, response.content
        assert str(response.json()["id"]) == self.object_id(obj)

    def test_create(self, world):
        role = sorted(self.write_roles)[0]
        response = self.client_for(world, "own", role).post(
            self.list_url(world), self.create_payload(world), format="json"
        )
        assert response.status_code == 201, response.content
        created = response.json()
        fetched = self.client_for(world, "own", role).get(
            self.list_url(world) + f"{created['id']}/"
        )
        assert fetched.status_code == 200

    def test_update(self, world):
        obj = self.make_object(world)
        payload = self.update_payload(world, obj)
        role = sorted(self.write_roles)[0]
        response = self.client_for(world, "own", role).patch(
            self.detail_url(world, obj), payload, format="json"
        )
        assert response.status_code == 200, response.content
        self.check_updated(obj, payload)

    def test_delete(self, world):
        obj = self.make_object(world)
        role = sorted(self.delete_roles or self.write_roles)[0]
        response = self.client_for(world, "own", role).delete(self.detail_url(world, obj))
        assert response.status_code == self.delete_status, response.content
        self.check_deleted(world, obj)

    def test_other_organization_gets_404(self, world):
        obj = self.make_object(world)
        stranger = self.client_for(world, "stranger", Role.ADMIN)
        # The stranger's own URL does not reach our object ...
        if "retrieve" in self.operations:
            response = stranger.get(self.detail_url(world, obj, slug=world.stranger.slug))
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
        # ... and our organization's URL does not answer its token at all.
        response = stranger.get(self.list_url(world))
        assert response.status_code == 404
        for method in ("patch", "delete"):
            response = getattr(stranger, method)(self.detail_url(world, obj), {}, format="json")
            assert response.status_code == 404

    def test_weaker_role_gets_403(self, world):
        weaker = ALL_ROLES - self.write_roles
        obj = self.make_object(world)
        for role in weaker:
            client = self.client_for(world, "own", role)
            if "create" in self.operations:
                response = client.post(
                    self.list_url(world), self.create_payload(world), format="json"
                )
                assert response.status_code == 403, (role, response.content)
                assert response.json()["code"] == "permission_denied"
            if "update" in self.operations:
                response = client.patch(
                    self.detail_url(world, obj), self.update_payload(world, obj), format="json"
                )
                assert response.status_code == 403, (role, response.content)

    def make_many(self, world: World, count: int) -> None:
        for _ in range(count):
            self.make_object(world)

    def test_list_query_count_does_not_grow(self, world):
        client = self.client_for(world, "own", Role.ADMIN)
        self.make_many(world, 2)
        client.get(self.list_url(world))  # a token's first use records it (one more query)
        with CaptureQueriesContext(connection) as few:
            assert client.get(self.list_url(world) + "?page_size=100").status_code == 200
        self.make_many(world, 12)
        with CaptureQueriesContext(connection) as many:
            response = client.get(self.list_url(world) + "?page_size=100")
            assert response.status_code == 200
        assert len(response.json()["results"]) >= 14
        assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
