"""The API side of the tenancy layer: every org-scoped endpoint is a ``TenantViewSet``.

The base view set resolves the acting organization from the URL and the credentials, owns
``get_queryset``/``get_object`` (subclasses cannot override them), checks the caller's role
against the capability table, and checks inside the write's transaction that whatever was
written is still visible to the acting organization.
"""

from __future__ import annotations

from contextlib import ExitStack
from typing import ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.http import Http404
from rest_framework import exceptions, permissions, serializers
from rest_framework.viewsets import GenericViewSet

from cbrms.errors import NotVisible
from cbrms.tenancy.context import acting_as
from cbrms.tenancy.managers import ScopedManager
from cbrms.tenancy.resolution import resolve_membership
from relationships.models import ApiToken
from relationships.roles import Capability, role_can

ORG_URL_KWARG = "org_slug"


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
    - ``capabilities``: action name -> ``Capability`` (missing actions are refused);
    - ``parent_lookups``: URL kwarg -> (field, parent model) for nested routes; the parent is
      looked up through its own scope, so an invisible parent answers 404;
    - ``narrow_queryset(queryset)``: optional, to add ``select_related`` or narrow further;
    - ``create_object`` / ``update_object`` / ``destroy_object``: call services.
    """

    model: ClassVar[type[models.Model]]
    capabilities: ClassVar[dict[str, Capability]] = {}
    parent_lookups: ClassVar[dict[str, tuple[str, type[models.Model]]]] = {}
    permission_classes = [permissions.IsAuthenticated, HasCapability]
    lookup_value_converter = "int"

    FINAL = ("get_queryset", "get_object", "initial", "dispatch")

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
            token = request.auth if isinstance(request.auth, ApiToken) else None
            membership = resolve_membership(
                user=request.user, organization_slug=kwargs[ORG_URL_KWARG], token=token
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
            return self.model._default_manager.unscoped().none()
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

    # --- writes ------------------------------------------------------------------------

    def ensure_visible(self, instance: models.Model) -> None:
        """A write must never land outside the acting organization's scope."""
        if not self.model.objects.filter(pk=instance.pk).exists():
            raise NotVisible()

    def perform_create(self, serializer):
        with transaction.atomic():
            instance = self.create_object(serializer)
            self.ensure_visible(instance)
        serializer.instance = instance

    def perform_update(self, serializer):
        with transaction.atomic():
            instance = self.update_object(serializer)
            self.ensure_visible(instance)
        serializer.instance = instance

    def perform_destroy(self, instance):
        with transaction.atomic():
            self.destroy_object(instance)

    def create_object(self, serializer):
        raise ImproperlyConfigured(f"{type(self).__name__} does not create objects.")

    def update_object(self, serializer):
        raise ImproperlyConfigured(f"{type(self).__name__} does not update objects.")

    def destroy_object(self, instance):
        raise ImproperlyConfigured(f"{type(self).__name__} does not delete objects.")


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
