"""Nothing under ``/api/v1/orgs/`` may step around the tenancy layer.

Walks the real URL configuration, so a resource added later is checked without anyone
remembering to list it here.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework import mixins, serializers

from cbrms.tenancy.api import ScopedRelatedField, ScopedSlugRelatedField, TenantViewSet
from relationships.models import Relationship

ORG_PREFIX = "api/v1/orgs/"


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def org_patterns():
    return [
        (route, p) for route, p in walk(get_resolver().url_patterns) if route.startswith(ORG_PREFIX)
    ]


def org_view_classes():
    classes = {getattr(p.callback, "cls", None) for _, p in org_patterns()}
    return sorted(classes, key=lambda cls: getattr(cls, "__name__", ""))


def test_the_walk_finds_the_api():
    routes = {route for route, _ in org_patterns()}
    for expected in (
        "api/v1/orgs/<slug:org_slug>/",
        "api/v1/orgs/<slug:org_slug>/relationships/",
        "api/v1/orgs/<slug:org_slug>/relationships/<int:relationship>/parties/<int:pk>/",
        "api/v1/orgs/<slug:org_slug>/invitations/<int:pk>/accept/",
        "api/v1/orgs/<slug:org_slug>/members/",
        "api/v1/orgs/<slug:org_slug>/tokens/<int:pk>/",
        "api/v1/orgs/<slug:org_slug>/audit-events/",
    ):
        assert expected in routes


def test_every_org_url_is_served_by_a_tenant_view_set():
    for route, pattern in org_patterns():
        view_class = getattr(pattern.callback, "cls", None)
        assert view_class is not None, f"{route} is not a class-based DRF view"
        assert issubclass(view_class, TenantViewSet), f"{route}: {view_class} bypasses tenancy"


def test_every_routed_action_names_a_capability():
    """An action without one would be refused for everybody: a bug, found here first."""
    for route, pattern in org_patterns():
        view_class = pattern.callback.cls
        for action in pattern.callback.actions.values():
            assert action in view_class.capabilities, f"{route}: {action} has no capability"


@pytest.mark.parametrize("method", ["get_queryset", "get_object", "initial", "dispatch"])
def test_a_view_set_cannot_take_over_scoping(method):
    with pytest.raises(TypeError, match=method):
        type("Sneaky", (TenantViewSet,), {"model": Relationship, method: lambda self: None})


@pytest.mark.parametrize(
    "mixin", [mixins.CreateModelMixin, mixins.UpdateModelMixin, mixins.DestroyModelMixin]
)
def test_drf_model_mixins_cannot_write_past_the_services(mixin):
    """Their ``perform_*`` save or delete the row directly, skipping the visibility check."""
    with pytest.raises(TypeError, match="perform_"):
        type("Direct", (mixin, TenantViewSet), {"model": Relationship})


def test_a_model_without_a_scoped_manager_is_refused():
    from relationships.models import User

    with pytest.raises(TypeError, match="ScopedManager"):
        type("Unscoped", (TenantViewSet,), {"model": User})


def serializer_classes(view_class):
    classes = {view_class.serializer_class}
    classes.update(getattr(view_class, "input_serializers", {}).values())
    for action in view_class.capabilities:
        view = view_class()
        view.action, view.request, view.kwargs, view.format_kwarg = action, None, {}, None
        classes.add(view.get_serializer_class())
    return classes - {None}


def writable_relations(serializer, path=""):
    for name, field in serializer.fields.items():
        where = f"{path}{name}"
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            if not field.read_only:
                yield from writable_relations(field, f"{where}.")
            continue
        if isinstance(field, serializers.ManyRelatedField):
            field = field.child_relation if not field.read_only else None
        if isinstance(field, serializers.RelatedField) and not field.read_only:
            yield where, field


def test_every_writable_relation_is_scoped():
    checked = 0
    for view_class in org_view_classes():
        for serializer_class in serializer_classes(view_class):
            for where, field in writable_relations(serializer_class()):
                checked += 1
                assert isinstance(field, ScopedRelatedField | ScopedSlugRelatedField), (
                    f"{view_class.__name__} / {serializer_class.__name__}.{where} is a writable "
                    f"{type(field).__name__}: it must be scoped or read-only"
                )
    assert checked >= 3  # the SER fields at least: the walk does reach them


# --- one write path ------------------------------------------------------------------------


def write_handlers():
    """(route, HTTP method, view class, handler name) of every write the API routes."""
    for route, pattern in org_patterns():
        for method, handler in pattern.callback.actions.items():
            if method not in ("get", "head", "options"):
                yield route, method, pattern.callback.cls, handler


def test_every_write_route_goes_through_the_write_path():
    from cbrms.api import viewsets

    mixin_handlers = {
        getattr(mixin, name)
        for mixin in (viewsets.CreateMixin, viewsets.UpdateMixin, viewsets.DestroyMixin)
        for name in TenantViewSet.CRUD_HANDLERS
        if hasattr(mixin, name)
    }
    checked = 0
    for route, method, view_class, name in write_handlers():
        # drf-spectacular wraps inherited handlers it documents (functools.wraps): unwrap.
        chain = [getattr(view_class, name)]
        while hasattr(chain[-1], "__wrapped__"):
            chain.append(chain[-1].__wrapped__)
        through_mixin = chain[-1] in mixin_handlers
        marked = any(getattr(f, "writes_through_the_write_path", False) for f in chain)
        assert through_mixin or marked, f"{method.upper()} {route}: {name} bypasses the write path"
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("name", ["ensure_visible", "write", "perform_create", "perform_update"])
def test_the_write_path_is_final(name):
    with pytest.raises(TypeError, match=name):
        type("Sneaky", (TenantViewSet,), {"model": Relationship, name: lambda self: None})


def test_an_action_that_writes_around_the_write_path_is_refused_at_import():
    from rest_framework.decorators import action

    def close(self, request, *args, **kwargs):
        return None

    with pytest.raises(TypeError, match="write path"):
        type(
            "Around",
            (TenantViewSet,),
            {"model": Relationship, "close": action(detail=True, methods=["post"])(close)},
        )


def test_a_marked_action_that_never_writes_through_the_path_fails_loudly():
    from django.core.exceptions import ImproperlyConfigured

    from cbrms.tenancy.api import write_action

    def close(self, request, *args, **kwargs):
        return "wrote directly"

    view_class = type(
        "Forgetful",
        (TenantViewSet,),
        {"model": Relationship, "close": write_action(detail=True)(close)},
    )
    with pytest.raises(ImproperlyConfigured, match="wrote nothing"):
        view_class().close(None)


def test_a_write_that_lands_outside_the_scope_is_rolled_back(world):
    from cbrms.errors import NotVisible
    from cbrms.tenancy.context import acting_as
    from relationships.views import relationship_create

    view = TenantViewSet()
    view.model = Relationship
    with acting_as(world.stranger), pytest.raises(NotVisible):
        view.write(relationship_create, organization=world.own, name="Smuggled", type="partnership")
    assert not Relationship.objects.unscoped().filter(name="Smuggled").exists()
