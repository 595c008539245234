"""What the registers add to a relationship document's PDF (``lifecycle.document_pdf``): the
open risks on the 5 x 5 heat map with the top ones listed, the objectives with their KPIs'
status and trend, and the issues open above the first level of the ladder. A joint document
shows joint records only: its PDF is read by every party."""

from __future__ import annotations

from django.template.loader import render_to_string

from cbrms.tenancy.context import get_acting_organization
from governance.models import (
    Issue,
    IssueStatus,
    Kpi,
    Objective,
    Risk,
    RiskStatus,
)
from governance.selectors import LIKELIHOOD, kpis_with_values, risk_heat_map
from lifecycle.document_pdf import PdfSummary, register_pdf_summaries
from relationships.disclosure import Disclosure
from relationships.models import Relationship, Visibility

TOP_RISKS = 10


@register_pdf_summaries
def register_summaries(relationship: Relationship, *, joint_only: bool) -> list[PdfSummary]:
    def of(model):
        rows = model.objects.filter(relationship=relationship)
        return rows.filter(visibility=Visibility.JOINT) if joint_only else rows

    audience = "joint " if joint_only else ""
    disclosure = Disclosure.for_organization(get_acting_organization())
    open_risks = of(Risk).exclude(status=RiskStatus.CLOSED)
    top = list(
        open_risks.select_related("owner__user", "owner__organization").order_by(
            "-score", "next_review", "id"
        )[:TOP_RISKS]
    )
    objectives = list(of(Objective).order_by("target_date", "id"))
    states = kpis_with_values(of(Kpi).filter(objective__in=objectives).order_by("id"))
    for objective in objectives:
        objective.kpi_states = [s for s in states if s.kpi.objective_id == objective.pk]
    escalations = list(
        of(Issue)
        .filter(status=IssueStatus.OPEN, level__position__gt=1)
        .select_related("level")
        .order_by("-level__position", "level_due_at", "id")
    )
    context = {
        "relationship": relationship,
        "audience": audience,
        "heat_map": risk_heat_map(open_risks),
        "likelihoods": LIKELIHOOD,
        "risk_count": open_risks.count(),
        "top_risks": [
            (risk, disclosure.person_name(risk.owner, relationship.pk) if risk.owner else "")
            for risk in top
        ],
        "objectives": objectives,
        "escalations": escalations,
    }
    return [
        PdfSummary(
            "risks",
            f"Summary: {audience}risks",
            render_to_string("governance/pdf/risks.html", context),
        ),
        PdfSummary(
            "objectives",
            f"Summary: {audience}objectives and KPIs",
            render_to_string("governance/pdf/objectives.html", context),
        ),
        PdfSummary(
            "escalations",
            "Summary: open escalations",
            render_to_string("governance/pdf/escalations.html", context),
        ),
    ]
