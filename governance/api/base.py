"""What every register's API shares: nested under a relationship, list, detail, create,
update and a CSV export with the list's filters, read by anyone of the organization and written
by those who keep the registers."""

from __future__ import annotations

from rest_framework import mixins

from cbrms.api.viewsets import CreateMixin, OrgViewSet, UpdateMixin
from governance.api.exports import ExportMixin
from relationships.models import Relationship
from relationships.roles import Capability

RELATIONSHIP = {"relationship": ("relationship", Relationship)}
VIEW, EDIT = Capability.REGISTERS_VIEW, Capability.REGISTERS_EDIT
READ_WRITE = {
    "list": VIEW,
    "retrieve": VIEW,
    "export": VIEW,
    "create": EDIT,
    "update": EDIT,
    "partial_update": EDIT,
}


class RegisterViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    CreateMixin,
    UpdateMixin,
    ExportMixin,
    OrgViewSet,
):
    """A register's rows under ``relationships/{relationship}/``; a view names its model,
    serializers, filter set, export columns and the services it calls."""

    parent_lookups = RELATIONSHIP
    filtered_actions = ("export",)
    capabilities = READ_WRITE
