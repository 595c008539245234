"""Writes to the objectives register: objectives, their KPIs and the KPIs' measurements.

A KPI has the audience of its objective and a measurement that of its KPI: sharing an
objective shares its KPIs and their history in the same transaction."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from cbrms.errors import Conflict, PermissionRefused, ValidationFailed
from governance.models import Kpi, Measurement, Objective, ObjectiveStatus
from governance.services.registers import (
    ensure_may_write,
    ensure_owner,
    ensure_visibility,
    lock_for_change,
    save_changes,
)
from lifecycle.models import CatalogItem, RelationshipFramework
from relationships.models import Membership, Relationship, Visibility

OBJECTIVE_EDITABLE = (
    "title",
    "description",
    "target_date",
    "status",
    "principle",
    "requirement_key",
    "owner",
    "visibility",
)
KPI_EDITABLE = ("name", "unit", "target", "direction", "cadence", "owner")


def _check_requirement(relationship: Relationship, key: str) -> None:
    """A requirement an objective serves is one of the relationship's catalog."""
    if not key:
        return
    framework = RelationshipFramework.objects.filter(relationship=relationship).first()
    if (
        framework is None
        or not CatalogItem.objects.filter(catalog_id=framework.catalog_id, key=key).exists()
    ):
        raise ValidationFailed(
            "No such requirement in this relationship's catalog.",
            fields={"requirement_key": [f"“{key}” is not a requirement of this relationship."]},
        )


@transaction.atomic
def objective_create(
    *,
    relationship: Relationship,
    membership: Membership,
    title: str,
    visibility: str,
    description: str = "",
    target_date: datetime.date | None = None,
    status: str = ObjectiveStatus.ACTIVE,
    principle: str = "",
    requirement_key: str = "",
    owner: Membership | None = None,
) -> Objective:
    """Set an objective as ``membership``'s organization."""
    ensure_may_write(relationship=relationship, membership=membership)
    ensure_visibility(relationship=relationship, visibility=visibility)
    ensure_owner(owner=owner, organization_id=membership.organization_id)
    _check_requirement(relationship, requirement_key)
    # unscoped(create): a row of a relationship the caller resolved, owned by its organization
    return Objective.objects.unscoped().create(
        relationship=relationship,
        organization_id=membership.organization_id,
        visibility=visibility,
        owner=owner or membership,
        created_by=membership,
        title=title,
        description=description,
        target_date=target_date,
        status=status,
        principle=principle,
        requirement_key=requirement_key,
    )


@transaction.atomic
def objective_update(*, objective: Objective, membership: Membership, **changes) -> Objective:
    objective = lock_for_change(
        objective, membership=membership, changes=changes, editable=OBJECTIVE_EDITABLE
    )
    if "requirement_key" in changes:
        _check_requirement(objective.relationship, changes["requirement_key"])
    shared = changes.get("visibility", objective.visibility) != objective.visibility
    save_changes(objective, changes)
    if shared:
        # unscoped(by-id): the KPIs and values of an objective the caller may change
        kpis = Kpi.objects.unscoped().filter(objective=objective)
        kpis.update(visibility=objective.visibility)
        # unscoped(by-id): as above
        Measurement.objects.unscoped().filter(kpi__objective=objective).update(
            visibility=objective.visibility
        )
    return objective


def _ensure_may_add_to(objective: Objective, membership: Membership) -> None:
    """A KPI is added by a party that may change the objective: any party to a joint one,
    the owning organization to an internal one."""
    ensure_may_write(relationship=objective.relationship, membership=membership)
    if (
        objective.visibility == Visibility.INTERNAL
        and objective.organization_id != membership.organization_id
    ):
        raise PermissionRefused("An internal objective is kept by its own organization only.")


@transaction.atomic
def kpi_create(
    *,
    objective: Objective,
    membership: Membership,
    name: str,
    unit: str,
    target: Decimal,
    direction: str,
    cadence: str,
    owner: Membership | None = None,
) -> Kpi:
    """Measure ``objective`` by a KPI, owned by ``membership``'s organization."""
    _ensure_may_add_to(objective, membership)
    ensure_owner(owner=owner, organization_id=membership.organization_id)
    # unscoped(create): a KPI of an objective the caller may change
    return Kpi.objects.unscoped().create(
        objective=objective,
        relationship_id=objective.relationship_id,
        organization_id=membership.organization_id,
        visibility=objective.visibility,
        owner=owner or membership,
        created_by=membership,
        name=name,
        unit=unit,
        target=target,
        direction=direction,
        cadence=cadence,
    )


@transaction.atomic
def kpi_update(*, kpi: Kpi, membership: Membership, **changes) -> Kpi:
    kpi = lock_for_change(kpi, membership=membership, changes=changes, editable=KPI_EDITABLE)
    save_changes(kpi, changes)
    return kpi


def _ensure_may_measure(kpi: Kpi, membership: Membership) -> None:
    ensure_may_write(relationship=kpi.relationship, membership=membership)
    if kpi.visibility == Visibility.INTERNAL and kpi.organization_id != membership.organization_id:
        raise PermissionRefused("An internal KPI is measured by its own organization only.")


@transaction.atomic
def measurement_record(
    *,
    kpi: Kpi,
    membership: Membership,
    period: datetime.date,
    value: Decimal,
    note: str = "",
) -> Measurement:
    """Record the KPI's value for a period; one value per period (``409 already_measured``:
    change that one instead)."""
    _ensure_may_measure(kpi, membership)
    if period > datetime.date.today():
        raise ValidationFailed(
            "A value is recorded once its period has begun.",
            fields={"period": ["In the future."]},
        )
    try:
        with transaction.atomic():
            # unscoped(create): a value of a KPI the caller may measure
            return Measurement.objects.unscoped().create(
                kpi=kpi,
                relationship_id=kpi.relationship_id,
                organization_id=membership.organization_id,
                visibility=kpi.visibility,
                period=period,
                value=value,
                note=note,
                recorded_by=membership,
            )
    except IntegrityError:
        raise Conflict(
            f"{kpi.name} already has a value for {period:%d %b %Y}.",
            code="already_measured",
        ) from None


@transaction.atomic
def measurement_update(
    *, measurement: Measurement, membership: Membership, **changes
) -> Measurement:
    """Correct a recorded value or its note; whoever may measure the KPI may."""
    unknown = set(changes) - {"value", "note"}
    if unknown:
        raise ValidationFailed(
            "These fields cannot be changed here.",
            fields={field: ["Not editable."] for field in sorted(unknown)},
        )
    measurement = (
        Measurement.objects.unscoped()  # unscoped(lock): re-read under the lock
        .select_for_update(of=("self",))
        .select_related("kpi__relationship")
        .get(pk=measurement.pk)
    )
    _ensure_may_measure(measurement.kpi, membership)
    for field, value in changes.items():
        setattr(measurement, field, value)
    measurement.save(update_fields=[*changes, "updated_at"])
    return measurement
