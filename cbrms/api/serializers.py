"""Base classes of the API's input serializers: what a request body may hold, strictly.

DRF's ``CharField`` turns a number into text (``{"name": 12}`` saves "12"), so a client that
sent the wrong type never learns it. Every request body of the API is read by a subclass of
``InputSerializer`` (``tests/security/test_api_fuzz.py`` checks the schema for it), which refuses
anything but a string (or null, where allowed) for a text field.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers


class StrictTextMixin:
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            wrong = {
                name: ["Not a string."]
                for name, field in self.fields.items()
                if isinstance(field, serializers.CharField)
                and not field.read_only
                and data.get(name) is not None
                and not isinstance(data.get(name), str)
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


class InputSerializer(StrictTextMixin, serializers.Serializer):
    """A request body."""


class InputModelSerializer(StrictTextMixin, serializers.ModelSerializer):
    """A request body that writes a model's own fields."""
