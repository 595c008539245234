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
