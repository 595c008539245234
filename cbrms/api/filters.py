"""Filter backends shared by the API's lists."""

from __future__ import annotations

from django import forms
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter


class StrictBooleanField(forms.Field):
    """``true``/``false`` (or ``1``/``0``); anything else is an error, not "no filter"."""

    VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in (None, ""):
            return None
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError("Use true or false.", code="invalid") from None


class BooleanFilter(filters.BooleanFilter):
    """django-filter's ``BooleanFilter`` reads ``?archived=maybe`` as no filter at all, which
    hides a client's mistake behind a list that looks right; this one refuses it (400)."""

    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's BooleanWidget turns an unknown value into "no value" before the field
        # sees it; a plain input hands the field what the client sent.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class BoundedDateTimeField(filters.IsoDateTimeFilter.field_class):
    """An ISO 8601 date-time whose offset PostgreSQL can take (under 16 hours either way);
    a larger one is the client's mistake, answered 400, not a database error."""

    def to_python(self, value):
        moment = super().to_python(value)
        offset = moment.utcoffset() if moment is not None else None
        if offset is not None and abs(offset.total_seconds()) >= 16 * 3600:
            raise forms.ValidationError("The time zone offset is out of range.", code="invalid")
        return moment


class IsoDateTimeFilter(filters.IsoDateTimeFilter):
    """django-filter's ISO 8601 filter, refusing offsets PostgreSQL cannot store."""

    field_class = BoundedDateTimeField


class StrictSearchFilter(SearchFilter):
    """``?search=``, whose refusals (a NUL character) name the ``search`` parameter.

    DRF validates the terms with a ``CharField`` but raises its errors without a field name.
    """

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as error:
            raise ValidationError({self.search_param: error.detail}) from None


class StableOrderingFilter(OrderingFilter):
    """``?ordering=`` with ``id`` as the tie-breaker, so cursor pages never skip or repeat rows.

    Cursor pagination takes its ordering from this filter; rows that tie on the client's field
    (two relationships of the same stage) are then ordered by id, in the same direction.
    """

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ["-id"])
        if not any(field.lstrip("-") in ("id", "pk") for field in ordering):
            ordering.append("-id" if ordering[0].startswith("-") else "id")
        return ordering

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None) or []
        default = ", ".join(getattr(view, "ordering", None) or ["-id"])
        for parameter in parameters:
            parameter["description"] = (
                f"One of {', '.join(fields)}; prefix `-` for descending. Default: {default}."
            )
        return parameters
