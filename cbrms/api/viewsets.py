"""The conventions of every org-scoped API resource, on top of ``TenantViewSet``.

- reads use ``serializer_class``; writes validate input with ``input_serializers[action]`` and
  answer with ``serializer_class``, re-read through the scope (so a response shows exactly what a
  later GET would);
- filters, search and ordering shape lists only: an object's URL reaches it whatever the list
  filters hide by default (an archived relationship, say);
- responses and errors are described by ``ApiAutoSchema``.

Lists and reads use DRF's ``ListModelMixin``/``RetrieveModelMixin``. Writes use the mixins
below, never DRF's create/update/destroy mixins: theirs define ``perform_*`` methods that would
shadow ``TenantViewSet``'s (and save or delete the row directly, past the services and the
visibility check). ``TenantViewSet`` refuses such a subclass.
"""

from __future__ import annotations

from typing import ClassVar

from django_filters import CharFilter, MultipleChoiceFilter
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers, status
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from cbrms.api.schema import ApiAutoSchema
from cbrms.errors import ValidationFailed
from cbrms.tenancy.api import TenantViewSet


class OrgViewSet(TenantViewSet):
    """Base of the API's view sets under ``/api/v1/orgs/{org_slug}/``."""

    schema = ApiAutoSchema()
    input_serializers: ClassVar[dict[str, type[serializers.Serializer]]] = {}
    filter_backends = [DjangoFilterBackend]
    #: Actions that read the list's filters besides ``list`` itself (an export, a summary of
    #: the list): the same filters, the same scope, no pages.
    filtered_actions: ClassVar[tuple[str, ...]] = ()

    def get_serializer_class(self):
        return self.input_serializers.get(self.action, self.serializer_class)

    def filter_queryset(self, queryset):
        if self.action != "list" and self.action not in self.filtered_actions:
            return queryset
        return super().filter_queryset(queryset)

    def query_parameters(self) -> set[str]:
        """The query parameters the action reads: a list's filters, search, ordering and page
        controls, as the schema documents them (a filtered action: the filters, search and
        ordering); no other action reads any."""
        if self.action in self.filtered_actions:
            return set(self.filterset_class.base_filters)
        if self.action != "list":
            return set()
        names: set[str] = set()
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is not None:
            names |= set(filterset_class.base_filters)
        for backend in self.filter_backends:
            if issubclass(backend, SearchFilter) and getattr(self, "search_fields", None):
                names.add(backend.search_param)
            if issubclass(backend, OrderingFilter):
                names.add(backend.ordering_param)
        if self.pagination_class is not None:
            paginator = self.pagination_class
            names |= {paginator.cursor_query_param, paginator.page_size_query_param}
        return names

    def check_request(self, request) -> None:
        """A query parameter the action does not read is refused (400), where DRF would ignore
        it: ``?stag=3`` must not quietly answer the whole list as if it were filtered."""
        unknown = sorted(set(request.query_params) - self.query_parameters())
        filterset_class = getattr(self, "filterset_class", None)
        filtered = self.action == "list" or self.action in self.filtered_actions
        if not unknown and filterset_class is not None and filtered:
            # A typed filter (a choice, a number, a boolean) left empty is no value of its
            # type; django-filter would read it as "no filter".
            typed = {
                name
                for name, field in filterset_class.base_filters.items()
                if not isinstance(field, CharFilter)
            }
            empty = sorted(
                name for name in typed if "" in request.query_params.getlist(name, [None])
            )
            if empty:
                raise ValidationFailed(
                    f"Empty filter(s): {', '.join(empty)}. Leave a filter out to not filter.",
                    fields={name: ["Give a value, or leave the parameter out."] for name in empty},
                )
        if not unknown:
            # A parameter of one value given twice (``?level=1&level=2``): django-filter would
            # read the last one silently. Only a filter of several values takes several.
            multiple = {
                name
                for name, field in (filterset_class.base_filters if filterset_class else {}).items()
                if isinstance(field, MultipleChoiceFilter)
            }
            repeated = sorted(
                name
                for name in request.query_params
                if name not in multiple and len(request.query_params.getlist(name)) > 1
            )
            if repeated:
                raise ValidationFailed(
                    f"Given more than once: {', '.join(repeated)}. Give each of these once.",
                    fields={name: ["Takes one value."] for name in repeated},
                )
        if unknown:
            known = ", ".join(sorted(self.query_parameters())) or "none"
            raise ValidationFailed(
                f"Unknown query parameter(s): {', '.join(unknown)}. This operation reads: {known}.",
                code="unknown_parameter",
                fields={name: ["Not a parameter of this operation."] for name in unknown},
            )

    def output(self, instance, *, reload: bool = True) -> dict:
        """The read representation of ``instance``, re-read through the scope by default."""
        if reload:
            instance = self.get_queryset().get(pk=instance.pk)
        return self.serializer_class(instance, context=self.get_serializer_context()).data


class CreateMixin:
    """``POST``: validate, ``create_object`` (a service), answer 201 with the read body."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return Response(self.output(serializer.instance), status=status.HTTP_201_CREATED)


class UpdateMixin:
    """``PUT``/``PATCH``: validate, ``update_object`` (a service), answer 200 with the read body."""

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        return Response(self.output(serializer.instance))

    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)


class DestroyMixin:
    """``DELETE``: ``destroy_object`` (a service), answer 204."""

    def destroy(self, request, *args, **kwargs):
        self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
