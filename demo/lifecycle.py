"""How a demo relationship reaches its stage: through the lifecycle services, as people would.

In each stage the lead's relationship manager settles every requirement the lead sees, with
evidence, and requests the gate; the lead's SER approves it, and the ledger moves the stage. Stages
1-4 are the lead's own decisions, so partners are invited on the way, in stage 4 (partner
selection). A partner with a story then records its own stages 1-4, which only it sees.

Evidence comes from the relationship's ``Story`` (``demo.story``) where it has one; elsewhere a
short generic note says who prepared what the catalog item expects.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from cbrms.tenancy.context import acting_as
from demo.story import Proof, Story
from lifecycle.models import EvidenceKind, EvidenceStatus, Requirement, RequirementStatus
from lifecycle.services.evidence import evidence_create
from lifecycle.services.gates import gate_decide, gate_request
from lifecycle.services.requirements import requirement_update
from relationships.models import Membership, Organization, Relationship, Visibility

PARTNER_SELECTION = 4  # the stage in which partners are chosen and invited


@dataclass(frozen=True)
class Side:
    """An organization of a demo relationship, in the persons of its manager and its SER."""

    organization: Organization
    manager: Membership
    ser: Membership

    def acting(self, member: Membership) -> AbstractContextManager:
        return acting_as(self.organization, user=member.user, membership=member)


def stages_pass(
    *, relationship: Relationship, lead: Side, stages: range, story: Story | None
) -> int:
    """Settle each stage of ``stages`` and pass its gate, in order. Returns the gates passed."""
    for stage in stages:
        with lead.acting(lead.manager):
            requirements = Requirement.objects.filter(relationship=relationship, stage=stage)
            _settle(requirements, side=lead, story=story)
            gate = gate_request(
                relationship=relationship,
                requested_by=lead.manager,
                reason=f"Every requirement of stage {stage} is met, with its evidence.",
                notify=False,  # demo history: nobody is waiting for these emails
            )
        comment = story.gate_comments.get(stage, "") if story else ""
        with lead.acting(lead.ser):
            gate_decide(
                gate=gate,
                approver=lead.ser,
                approve=True,
                comment=comment or "Approved: the evidence supports moving on.",
                notify=False,
            )
    return len(stages)


def partner_prepare(*, relationship: Relationship, partner: Side, story: Story) -> None:
    """A partner that joined in stage 4 records its own stages 1-4 (internal: only it sees
    them), then adds its word to the joint requirements of the current stage the story names."""
    proofs = story.proofs.get(partner.organization.slug, {})
    with partner.acting(partner.manager):
        own = Requirement.objects.filter(
            relationship=relationship,
            organization=partner.organization,
            visibility=Visibility.INTERNAL,
            stage__lte=PARTNER_SELECTION,
        )
        _settle(own, side=partner, story=story)
        stage = Relationship.objects.values_list("current_stage", flat=True).get(pk=relationship.pk)
        joint = Requirement.objects.filter(
            relationship=relationship,
            visibility=Visibility.JOINT,
            stage=stage,
            item__key__in=list(proofs),
        ).select_related("item")
        for requirement in joint:
            for proof in proofs[requirement.item.key]:
                _evidence_add(requirement, side=partner, proof=proof)


def joint_work(*, relationship: Relationship, sides: dict[str, Side], story: Story) -> None:
    """Progress on joint requirements of the current stage, each by the party the story names;
    no gate is requested."""
    today = timezone.localdate()
    for step in story.joint_work:
        side = sides[step.by]
        with side.acting(side.manager):
            requirement = Requirement.objects.select_related("relationship").get(
                relationship=relationship, item__key=step.item
            )
            status = (
                EvidenceStatus.APPROVED
                if step.status == RequirementStatus.MET
                else EvidenceStatus.DRAFT
            )
            for proof in step.proofs:
                _evidence_add(requirement, side=side, proof=proof, status=status)
            due = today + timedelta(days=step.due_in_days) if step.due_in_days else None
            requirement_update(
                requirement=requirement,
                organization=side.organization,
                by=side.manager,
                status=step.status,
                owner=side.manager,
                due_date=due,
            )


def _settle(requirements, *, side: Side, story: Story | None) -> None:
    """Evidence on each requirement not yet settled, then mark it met (acting as ``side``)."""
    proofs = story.proofs.get(side.organization.slug, {}) if story else {}
    for requirement in requirements.select_related("item", "relationship"):
        if requirement.is_settled:
            continue
        for proof in proofs.get(requirement.item.key) or (_generic_proof(requirement, side),):
            _evidence_add(requirement, side=side, proof=proof)
        requirement_update(
            requirement=requirement,
            organization=side.organization,
            by=side.manager,
            status=RequirementStatus.MET,
        )


def _generic_proof(requirement: Requirement, side: Side) -> Proof:
    return Proof(
        title=requirement.item.evidence,
        note=(
            f"Prepared by {side.manager.user.full_name} and reviewed with "
            f"{side.ser.user.full_name}, the SER."
        ),
    )


def _evidence_add(
    requirement: Requirement, *, side: Side, proof: Proof, status: str = EvidenceStatus.APPROVED
) -> None:
    evidence_create(
        requirement=requirement,
        membership=side.manager,
        kind=EvidenceKind.LINK if proof.url else EvidenceKind.NOTE,
        title=proof.title,
        note=proof.note,
        url=proof.url,
        status=status,
    )
