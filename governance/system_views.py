"""Browser pages of the organization's management system: the relationship portfolio."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from cbrms.errors import ApplicationError
from governance.forms import CriteriaForm, PlacementForm
from governance.models import PortfolioPlacement, Profile
from governance.services.portfolio import (
    criteria_of,
    criteria_set,
    placement_set,
    suggest_profile,
)
from relationships.models import Relationship
from relationships.permissions import can, capability_required
from relationships.roles import Capability
from relationships.visibility import active_relationship_ids

SCORES = (1, 2, 3, 4, 5)


def _relationships(request: HttpRequest):
    """The relationships the organization takes part in: the ones it may place."""
    return Relationship.objects.filter(
        pk__in=active_relationship_ids(request.organization)
    ).order_by("name")


def _portfolio_page(request, placement_form=None, criteria_form=None, status=200):
    criteria = criteria_of(request.organization.pk)
    placements = list(
        PortfolioPlacement.objects.select_related("relationship", "decided_by__user").order_by(
            "relationship__name"
        )
    )
    cells = {(p.value, p.risk): [] for p in placements}
    for placement in placements:
        placement.suggested = suggest_profile(
            value=placement.value, risk=placement.risk, criteria=criteria
        )
        cells[(placement.value, placement.risk)].append(placement)
    matrix = [
        {
            "value": value,
            "cells": [
                {
                    "risk": risk,
                    "profile": suggest_profile(value=value, risk=risk, criteria=criteria),
                    "placements": cells.get((value, risk), []),
                }
                for risk in SCORES
            ],
        }
        for value in reversed(SCORES)
    ]
    relationships = list(_relationships(request))
    placed = {p.relationship_id for p in placements}
    may_decide = can(request, Capability.SYSTEM_MANAGE)
    context = {
        "matrix": matrix,
        "scores": SCORES,
        "placements": placements,
        "unplaced": [r for r in relationships if r.pk not in placed],
        "criteria": criteria,
        "profiles": Profile,
        "may_decide": may_decide,
        "placement_form": placement_form or PlacementForm(relationships=relationships),
        "criteria_form": criteria_form
        or CriteriaForm(
            initial={
                "full_from": criteria.full_from,
                "programme_from": criteria.programme_from,
                "value_meaning": criteria.value_meaning,
                "risk_meaning": criteria.risk_meaning,
            }
        ),
    }
    return render(request, "governance/system/portfolio.html", context, status=status)


@login_required
@require_GET
@capability_required(Capability.SYSTEM_VIEW)
def portfolio(request: HttpRequest, org_slug: str) -> HttpResponse:
    return _portfolio_page(request)


@login_required
@require_POST
@capability_required(Capability.SYSTEM_MANAGE)
def portfolio_place(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = PlacementForm(request.POST, relationships=_relationships(request))
    if form.is_valid():
        data = form.cleaned_data
        relationship = _relationships(request).get(pk=data.pop("relationship"))
        try:
            placement_set(membership=request.membership, relationship=relationship, **data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, f"“{relationship.name}” placed on the portfolio.")
            return redirect("portfolio", org_slug=org_slug)
    return _portfolio_page(request, placement_form=form, status=400)


@login_required
@require_POST
@capability_required(Capability.SYSTEM_MANAGE)
def portfolio_criteria(request: HttpRequest, org_slug: str) -> HttpResponse:
    form = CriteriaForm(request.POST)
    if form.is_valid():
        try:
            criteria_set(membership=request.membership, **form.cleaned_data)
        except ApplicationError as error:
            form.add_application_error(error)
        else:
            messages.success(request, "Portfolio criteria saved.")
            return redirect("portfolio", org_slug=org_slug)
    return _portfolio_page(request, criteria_form=form, status=400)
