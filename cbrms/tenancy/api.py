"""The API side of the tenancy layer: every org-scoped endpoint is a ``TenantViewSet``.

The base view set resolves the acting organization from the URL and the credentials, owns
``get_queryset``/``get_object`` (subclasses cannot override them), checks the caller's role
against the capability table, and checks inside the write's transaction that whatever was
written is still visible to the acting organization.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextlib import ExitStack
from typing import ClassVar, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import Http404
from rest_framework import exceptions, permissions, serializers
from rest_framework.decorators import action
from rest_framework.viewsets import GenericViewSet

from cbrms.errors import NotVisible
from cbrms.tenancy.context import acting_as
from cbrms.tenancy.managers import ScopedManager
from cbrms.tenancy.seams import resolve_membership, role_can

ORG_URL_KWARG = "org_slug"
T = TypeVar("T")
_RESULT = object()  # write(): check the service's own result


class HasCapability(permissions.BasePermission):
    """The caller's membership role must hold the capability the view names for the action.

    Fails closed: an action the view does not list is refused.
    """

    message = "Your role in this organization does not allow this."

    def has_permission(self, request, view) -> bool:
        membership = getattr(request, "membership", None)
        if membership is None:
            return False
        if view.action is None:  # a method no action is routed to: refuse it as such
            raise exceptions.MethodNotAllowed(request.method)
        capability = view.capabilities.get(view.action)
        return capability is not None and role_can(membership.role, capability)


class TenantViewSet(GenericViewSet):
    """Base of every view set under ``/api/v1/orgs/{org}/``.

    Subclasses declare:

    - ``model``: a model whose default manager is a ``ScopedManager``;
    - ``capabilities``: action name -> capability (a name of the role table that
      ``CBRMS_TENANCY["ROLE_CAN"]`` reads; missing actions are refused);
    - ``parent_lookups``: URL kwarg -> (field, parent model) for nested routes; the parent is
      looked up through its own scope, so an invisible parent answers 404;
    - ``narrow_queryset(queryset)``: optional, to add ``select_related`` or narrow further;
    - ``create_object`` / ``update_object`` / ``destroy_object``: call services.
    """

    model: ClassVar[type[models.Model]]
    capabilities: ClassVar[dict[str, str]] = {}
    parent_lookups: ClassVar[dict[str, tuple[str, type[models.Model]]]] = {}
    permission_classes = [permissions.IsAuthenticated, HasCapability]
    lookup_value_converter = "int"

    FINAL = (
        "get_queryset",
        "get_object",
        "initial",
        "dispatch",
        "ensure_visible",
        "write",
        "perform_create",
        "perform_update",
        "perform_destroy",
    )
    #: The handlers of the API base's CRUD mixins (``cbrms.api.viewsets``): they write through
    #: ``perform_*``, so through ``write``.
    CRUD_HANDLERS = ("create", "update", "partial_update", "destroy")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.FINAL:
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} must not override {name}(): scoping belongs to "
                    "TenantViewSet. Use narrow_queryset() or parent_lookups instead."
                )
        for name in ("perform_create", "perform_update", "perform_destroy"):
            if getattr(cls, name) is not getattr(TenantViewSet, name):
                raise TypeError(
                    f"{cls.__name__}.{name}() is not TenantViewSet's (a DRF model mixin's?): "
                    "writes go through create_object/update_object/destroy_object."
                )
        for name, handler in cls.__dict__.items():
            mapping = getattr(handler, "mapping", None)
            unsafe = mapping is not None and set(mapping) - {"get", "head", "options"}
            overridden = name in cls.CRUD_HANDLERS and callable(handler)
            if (unsafe or overridden) and not getattr(
                handler, "writes_through_the_write_path", False
            ):
                raise TypeError(
                    f"{cls.__name__}.{name}() writes, but not through the write path: declare it "
                    "with @write_action (an action) or @writes, and write with self.write()."
                )
        model = cls.__dict__.get("model")
        if model is not None and not isinstance(model._default_manager, ScopedManager):
            raise TypeError(f"{cls.__name__}.model {model.__name__} has no ScopedManager.")

    # --- scope -------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        self._scope = ExitStack()
        with self._scope:
            return super().dispatch(request, *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        """After authentication and before permissions: set the acting organization."""
        request.membership = None
        self.perform_authentication(request)
        if request.user.is_authenticated:
            membership = resolve_membership(
                user=request.user, organization_slug=kwargs[ORG_URL_KWARG], auth=request.auth
            )
            request.membership = membership
            request.organization = membership.organization
            self._scope.enter_context(
                acting_as(membership.organization, user=request.user, membership=membership)
            )
        super().initial(request, *args, **kwargs)
        self.check_request(request)

    def check_request(self, request) -> None:
        """After the caller is known and allowed: refuse a request the action cannot read."""

    @property
    def organization(self):
        return self.request.organization

    @property
    def membership(self):
        return self.request.membership

    def get_parent(self, url_kwarg: str) -> models.Model:
        cache = self.__dict__.setdefault("_parents", {})
        if url_kwarg not in cache:
            _, parent_model = self.parent_lookups[url_kwarg]
            try:
                cache[url_kwarg] = parent_model.objects.get(pk=int(self.kwargs[url_kwarg]))
            except (parent_model.DoesNotExist, ValueError, TypeError):
                raise Http404 from None
        return cache[url_kwarg]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request scope
            return self.model._default_manager.none()
        queryset = self.model.objects.all()
        for url_kwarg, (field, _) in self.parent_lookups.items():
            queryset = queryset.filter(**{field: self.get_parent(url_kwarg)})
        queryset = self.narrow_queryset(queryset)
        if queryset.model is not self.model:
            raise TypeError("narrow_queryset() must return a queryset of the same model.")
        return queryset

    def narrow_queryset(self, queryset):
        return queryset

    def get_object(self):
        return super().get_object()

    # --- writes: one path ---------------------------------------------------------------

    def ensure_visible(self, instance: models.Model) -> None:
        """A write must never land outside the acting organization's scope: ``instance`` must
        still be visible through its own model's scope."""
        manager = type(instance)._default_manager
        if not isinstance(manager, ScopedManager) or not manager.filter(pk=instance.pk).exists():
            raise NotVisible()

    def write(self, service: Callable[..., T], /, *, visible=_RESULT, **arguments) -> T:
        """The one way a view writes: ``service(**arguments)`` and the check that what it
        wrote is visible to the acting organization, in one transaction (the write is rolled
        back and answers 404 otherwise).

        The service's result is checked, or ``visible``: the object the write is about (for a
        service that answers something else, such as a report), or a function of the result that
        returns it; ``visible=None`` checks nothing (a row that is gone, a write outside tenant
        data).
        """
        with transaction.atomic():
            result = service(**arguments)
            checked = result if visible is _RESULT else visible
            if callable(checked) and not isinstance(checked, models.Model):
                checked = checked(result)
            if checked is not None:
                self.ensure_visible(checked)
        self._writes = getattr(self, "_writes", 0) + 1
        return result

    def perform_create(self, serializer):
        serializer.instance = self.write(self.create_object, serializer=serializer)

    def perform_update(self, serializer):
        serializer.instance = self.write(self.update_object, serializer=serializer)

    def perform_destroy(self, instance):
        self.write(self.destroy_object, visible=None, instance=instance)

    def create_object(self, serializer):
        raise ImproperlyConfigured(f"{type(self).__name__} does not create objects.")

    def update_object(self, serializer):
        raise ImproperlyConfigured(f"{type(self).__name__} does not update objects.")

    def destroy_object(self, instance):
        raise ImproperlyConfigured(f"{type(self).__name__} does not delete objects.")


def writes(handler: Callable) -> Callable:
    """Mark a view set handler that writes (a custom action, an overridden ``create``): it must
    write through ``TenantViewSet.write``, and does so at least once or fails loudly.

    ``TenantViewSet`` refuses a handler of POST, PUT, PATCH or DELETE that is neither one of the
    API base's CRUD mixins (which write through ``perform_*``) nor marked with this.
    """

    @functools.wraps(handler)
    def run(self, request, *args, **kwargs):
        self._writes = 0
        response = handler(self, request, *args, **kwargs)
        if self._writes == 0:
            raise ImproperlyConfigured(
                f"{type(self).__name__}.{handler.__name__} wrote nothing through "
                "TenantViewSet.write()."
            )
        return response

    run.writes_through_the_write_path = True
    return run


def write_action(*, detail: bool, methods: tuple[str, ...] = ("post",), **kwargs) -> Callable:
    """DRF's ``@action`` for an action that writes (see ``writes``)."""

    def decorate(handler: Callable) -> Callable:
        return action(detail=detail, methods=list(methods), **kwargs)(writes(handler))

    return decorate


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable relation that accepts only objects the acting organization can see."""

    def __init__(self, model: type[models.Model], **kwargs):
        if not isinstance(model._default_manager, ScopedManager):
            raise TypeError(f"{model.__name__} has no ScopedManager; it cannot be scoped.")
        kwargs.setdefault("queryset", model.objects)  # the manager: scoped at request time
        super().__init__(**kwargs)


class ScopedSlugRelatedField(serializers.SlugRelatedField):
    """Like ``ScopedRelatedField``, addressing the object by a slug field."""

    def __init__(self, model: type[models.Model], **kwargs):
        if not isinstance(model._default_manager, ScopedManager):
            raise TypeError(f"{model.__name__} has no ScopedManager; it cannot be scoped.")
        kwargs.setdefault("queryset", model.objects)
        super().__init__(**kwargs)
