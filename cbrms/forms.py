"""What every browser form of the product shares."""

from __future__ import annotations

from django import forms

from cbrms.errors import ApplicationError


class ServiceErrorsMixin:
    """Show a service's refusal (``ApplicationError``) on the form: its field messages at the
    fields, its message on top, or at ``field`` when it names no field of the form."""

    def add_application_error(self, error: ApplicationError, field: str | None = None) -> None:
        fields = {name: msgs for name, msgs in (error.fields or {}).items() if name in self.fields}
        if not fields:
            self.add_error(field if field in self.fields else None, error.message)
            return
        self.add_error(None, error.message)
        for name, msgs in fields.items():
            for message in msgs:
                self.add_error(name, message)


class ServiceForm(ServiceErrorsMixin, forms.Form):
    """A form whose data a service takes, and whose refusals it shows."""
