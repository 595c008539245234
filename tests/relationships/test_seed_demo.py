"""``manage.py seed_demo``: the demo data README.md promises, loaded once however often it runs."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection, transaction
from django.test import RequestFactory

from cbrms.tenancy.context import acting_as
from demo.portfolio import PLACEMENTS
from governance.models import Issue, KnowledgeAsset, MaturityReview, PortfolioPlacement, Risk
from lifecycle.models import (
    DecisionRecord,
    Document,
    DocumentVersion,
    Evidence,
    RecordKind,
    Requirement,
    RequirementStatus,
    Section,
    StageState,
)
from lifecycle.selectors.gates import stage_overview
from lifecycle.services.ledger import chain_verify
from relationships.models import (
    Membership,
    Organization,
    PartnerInvitation,
    Party,
    PartyRole,
    PartyStatus,
    Relationship,
    RelationshipType,
    Role,
    Visibility,
    WebhookEndpoint,
    WebhookMessage,
)

pytestmark = pytest.mark.django_db

CORE = ("northwind", "contoso", "fabrikam")
LOGINS = {
    "admin": Role.ADMIN,
    "executive": Role.EXECUTIVE,
    "manager": Role.RELATIONSHIP_MANAGER,
    "contributor": Role.CONTRIBUTOR,
    "viewer": Role.VIEWER,
}
PASSWORD = "cbrms-demo"


def login_request():
    """``authenticate`` needs the request: the sign-in lockout counts failures per address."""
    return RequestFactory().post("/login/")


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every table of every installed app, the audit trail included."""
    tables = set(connection.introspection.table_names())
    return {
        model._meta.db_table: model._base_manager.count()
        for model in apps.get_models(include_auto_created=True)
        if model._meta.db_table in tables
    }


@pytest.fixture(scope="class")
def seeded(django_db_setup, django_db_blocker):
    """Seed twice, once for the whole class, and roll it back after: other tests start empty."""
    with django_db_blocker.unblock(), transaction.atomic():
        first_output = seed()
        counts = row_counts()
        second_output = seed()
        yield {"first": first_output, "second": second_output, "counts": counts}
        transaction.set_rollback(True)


def organization(slug: str) -> Organization:
    return Organization.objects.unscoped().get(slug=slug)


def member(email: str) -> Membership:
    return Membership.objects.unscoped().get(user__email=email)


def partnership() -> Relationship:
    return Relationship.objects.unscoped().get(
        lead_organization__slug="northwind", parties__organization__slug="contoso"
    )


def passed_gates(relationship: Relationship) -> list[DecisionRecord]:
    """The gates whose outcome is ``gate_passed``, in ledger order."""
    return [
        outcome.gate
        for outcome in DecisionRecord.objects.unscoped()
        .filter(relationship=relationship, kind=RecordKind.GATE_PASSED)
        .select_related("gate")
        .order_by("id")
    ]


def party(relationship: Relationship, slug: str) -> Party:
    return (
        Party.objects.unscoped()
        .select_related("ser__user")
        .get(relationship=relationship, organization__slug=slug)
    )


class TestSeedDemo:
    """What the demo promises, after the command ran twice."""

    def test_the_three_demo_organizations_exist(self, seeded):
        organizations = Organization.objects.unscoped().filter(slug__in=CORE)
        assert {o.slug: o.name for o in organizations} == {
            "northwind": "Northwind Traders",
            "contoso": "Contoso Ltd",
            "fabrikam": "Fabrikam Inc",
        }
        assert {o.slug: o.size_class for o in organizations} == {
            "northwind": "large",
            "contoso": "medium",
            "fabrikam": "large",
        }

    @pytest.mark.parametrize("slug", CORE)
    @pytest.mark.parametrize("login", LOGINS)
    def test_every_demo_login_works_with_the_demo_password(self, seeded, slug, login):
        email = f"{login}@{slug}.example"
        user = authenticate(login_request(), email=email, password=PASSWORD)
        assert user is not None, email
        assert user.full_name
        membership = Membership.objects.unscoped().get(user=user, organization__slug=slug)
        assert membership.role == LOGINS[login]
        assert authenticate(login_request(), email=email, password="wrong") is None

    def test_the_northwind_contoso_partnership_is_at_stage_5_with_both_sers(self, seeded):
        relationship = partnership()
        assert relationship.type == RelationshipType.PARTNERSHIP
        assert relationship.current_stage == 5
        northwind, contoso = party(relationship, "northwind"), party(relationship, "contoso")
        assert (northwind.role, northwind.status) == (PartyRole.LEAD, PartyStatus.ACTIVE)
        assert (contoso.role, contoso.status) == (PartyRole.PARTNER, PartyStatus.ACTIVE)
        assert northwind.ser.user.email == "executive@northwind.example"
        assert contoso.ser.user.email == "executive@contoso.example"

    def test_stages_1_to_4_were_approved_by_northwinds_ser_on_an_intact_ledger(self, seeded):
        relationship = partnership()
        gates = passed_gates(relationship)
        assert [(g.from_stage, g.to_stage) for g in gates] == [(1, 2), (2, 3), (3, 4), (4, 5)]
        manager = member("manager@northwind.example")
        executive = member("executive@northwind.example")
        for gate in gates:
            assert gate.actor_id == manager.pk  # requested by the relationship manager
            decisions = DecisionRecord.objects.unscoped().filter(
                gate=gate, kind__in=(RecordKind.APPROVED, RecordKind.REJECTED)
            )
            assert [(d.kind, d.actor_id) for d in decisions] == [
                (RecordKind.APPROVED, executive.pk)
            ]
            assert decisions[0].text  # the SER said why
        # Stages 1-4 are the lead's own decisions: internal to Northwind.
        assert {g.visibility for g in gates} == {Visibility.INTERNAL}
        verification = chain_verify(relationship_id=relationship.pk)
        assert verification.verified, verification
        records = {chain.chain: chain.records for chain in verification.chains}
        northwind = organization("northwind")
        assert records[f"internal:{northwind.pk}"] == 4 * 3  # request, approval, outcome
        # The joint chain holds the issues of the joint RMP and the exit strategy: each a
        # request, both SERs' approvals and the outcome.
        assert records["joint"] == 2 * 4

    def test_the_partnership_s_documents_are_issued_and_its_plans_kept_apart(self, seeded):
        relationship = partnership()
        documents = {
            (d.organization.slug, d.kind): d
            for d in Document.objects.unscoped().select_related("organization")
        }
        assert set(documents) >= {
            ("northwind", "joint_rmp"),
            ("northwind", "exit_strategy"),
            ("northwind", "internal_rmp"),
            ("contoso", "internal_rmp"),
            ("northwind", "corporate_rmp"),
        }
        joint = documents[("northwind", "joint_rmp")]
        [issued] = DocumentVersion.objects.unscoped().filter(document=joint)
        assert (issued.number, issued.status) == (1, "issued")
        # The draft changed since: the objectives no longer read as issued.
        objectives = Section.objects.unscoped().get(document=joint, key="objectives")
        frozen = next(s for s in issued.sections if s["key"] == "objectives")
        assert objectives.body != frozen["body"]
        corporate = DocumentVersion.objects.unscoped().get(
            document=documents[("northwind", "corporate_rmp")]
        )
        assert (corporate.status, corporate.relationship_id) == ("issued", None)
        assert organization("northwind").ser.user.email == "executive@northwind.example"
        exit_strategy = documents[("northwind", "exit_strategy")]
        assert exit_strategy.visibility == "joint"
        assert DocumentVersion.objects.unscoped().get(document=exit_strategy).status == "issued"
        with acting_as(organization("contoso")):
            seen = set(
                Document.objects.filter(relationship=relationship).values_list("pk", flat=True)
            )
        assert documents[("northwind", "internal_rmp")].pk not in seen
        assert documents[("contoso", "internal_rmp")].pk in seen
        # The issued plans prove the stage-5 requirements that ask for them, pinned.
        pinned = {
            e.requirement.item.key: e
            for e in Evidence.objects.unscoped()
            .filter(relationship=relationship, kind="document")
            .select_related("requirement__item", "document_version")
        }
        assert set(pinned) == {"iso44001:8.6.11", "iso44001:8.6.9"}
        assert pinned["iso44001:8.6.11"].content_hash == issued.content_hash

    def test_the_partnership_keeps_a_risk_register_with_each_side_s_internal_risks(self, seeded):
        relationship = partnership()
        risks = Risk.objects.unscoped().filter(relationship=relationship)
        assert risks.count() >= 12
        kinds = {(r.organization.slug, r.visibility) for r in risks.select_related("organization")}
        assert kinds == {
            ("northwind", "joint"),
            ("contoso", "joint"),
            ("northwind", "internal"),
            ("contoso", "internal"),
        }
        with acting_as(organization("contoso")):
            seen = set(Risk.objects.filter(relationship=relationship).values_list("pk", flat=True))
        northwind_internal = set(
            risks.filter(organization__slug="northwind", visibility="internal").values_list(
                "pk", flat=True
            )
        )
        assert northwind_internal
        assert not seen & northwind_internal

    def test_the_partnership_s_issues_stand_at_each_level_of_its_ladder(self, seeded):
        issues = Issue.objects.unscoped().filter(relationship=partnership()).select_related("level")
        open_levels = {i.level.position for i in issues if i.status == "open"}
        assert open_levels == {1, 2, 3}
        assert any(i.status == "resolved" and i.resolution for i in issues)
        assert any(i.visibility == "internal" for i in issues)

    def test_the_partnership_classes_what_it_shares(self, seeded):
        assets = KnowledgeAsset.objects.unscoped().filter(relationship=partnership())
        assert {a.sharing for a in assets} == {"share", "conditions", "do_not_share"}
        assert all(a.conditions for a in assets if a.sharing == "conditions")
        with acting_as(organization("contoso")):
            seen = set(KnowledgeAsset.objects.values_list("name", flat=True))
        assert "Supplier purchase prices" not in seen
        assert "Our other customers' volumes" in seen

    def test_the_partnership_s_maturity_reviews_show_a_gap_and_a_trend(self, seeded):
        reviews = MaturityReview.objects.unscoped().filter(relationship=partnership())
        assert [r.status for r in reviews.order_by("opened_at")] == ["completed", "completed"]
        autumn = reviews.order_by("opened_at").last()
        trust = next(p for p in autumn.report["principles"] if p["key"] == "trust")
        assert trust["gap"] >= 1.5  # Northwind sees more trust than Contoso does
        assert trust["trend"] > 0
        assert "trust" in autumn.report["widest_gaps"]
        assert "risk_management" in autumn.report["weakest"]

    def test_northwind_issued_its_context_and_policy(self, seeded):
        issued = set(
            DocumentVersion.objects.unscoped()
            .filter(organization__slug="northwind", relationship=None, status="issued")
            .values_list("document__kind", flat=True)
        )
        assert {"ms_context", "ms_policy", "corporate_rmp"} <= issued
        assert not {"ms_scope", "ms_stakeholders", "ms_governance"} & issued  # half-way there

    def test_northwind_placed_its_relationships_on_its_portfolio(self, seeded):
        placements = {
            p.relationship.name: p
            for p in PortfolioPlacement.objects.unscoped()
            .filter(organization__slug="northwind")
            .select_related("relationship")
        }
        assert set(placements) == set(PLACEMENTS)
        ecosystem = placements["Northwind sustainable sourcing ecosystem"]
        assert ecosystem.profile == "sme"  # decided against the criteria (value and risk 4)
        assert ecosystem.rationale
        assert ecosystem.decided_by.user.email == "executive@northwind.example"

    def test_northwind_has_a_demo_webhook_endpoint_that_heard_nothing(self, seeded):
        (endpoint,) = WebhookEndpoint.objects.unscoped().filter(organization__slug="northwind")
        assert not endpoint.is_enabled  # it points nowhere until an admin gives it a URL
        assert endpoint.secret.startswith("whsec_")
        assert not WebhookMessage.objects.unscoped().exists()

    def test_organizations_are_on_their_way_in(self, seeded):
        ecosystem = Relationship.objects.unscoped().get(
            lead_organization__slug="northwind", type=RelationshipType.ECOSYSTEM
        )
        assert ecosystem.open_to_join_requests
        asking = Party.objects.unscoped().get(relationship=ecosystem, status="requested")
        assert asking.organization.slug == "willow-creek-logistics"
        assert "Danube" in asking.request_message
        [invitation] = PartnerInvitation.objects.unscoped().all()
        assert (invitation.organization.slug, invitation.status) == ("contoso", "pending")

    def test_every_requirement_of_stages_1_to_4_is_met_with_evidence_on_both_sides(self, seeded):
        relationship = partnership()
        for slug in ("northwind", "contoso"):
            with acting_as(organization(slug)):
                requirements = list(
                    Requirement.objects.filter(relationship=relationship, stage__lte=4)
                    .select_related("organization")
                    .prefetch_related("evidence")
                )
                own = [r for r in requirements if r.visibility == Visibility.INTERNAL]
                assert {r.organization.slug for r in own} == {slug}
                assert {r.stage for r in own} == {1, 2, 3, 4}
                for requirement in requirements:
                    assert requirement.status == RequirementStatus.MET, requirement
                    assert requirement.evidence.all(), requirement
                kinds = {e.kind for r in own for e in r.evidence.all()}
                assert {"note", "link"} <= kinds

    def test_stage_5_is_under_way_and_no_gate_was_requested(self, seeded):
        relationship = partnership()
        with acting_as(organization("northwind")):
            states = [stage.state for stage in stage_overview(relationship)]
            assert (
                states
                == [StageState.APPROVED] * 4
                + [StageState.IN_PROGRESS]
                + [StageState.NOT_STARTED] * 3
            )
            stage_5 = Requirement.objects.filter(relationship=relationship, stage=5)
            started = stage_5.exclude(status=RequirementStatus.TODO)
            assert {r.status for r in started} == {
                RequirementStatus.IN_PROGRESS,
                RequirementStatus.MET,
            }
            assert all(r.visibility == Visibility.JOINT for r in stage_5)
            assert not started.filter(evidence__isnull=True).exists()
            assert stage_5.filter(status=RequirementStatus.TODO).exists()
            # Both parties worked on the joint requirements.
            authors = set(
                Evidence.objects.filter(requirement__in=started).values_list(
                    "organization__slug", flat=True
                )
            )
            assert authors == {"northwind", "contoso"}
        assert not DecisionRecord.objects.unscoped().filter(
            relationship=relationship, kind=RecordKind.GATE_REQUESTED, from_stage=5
        )

    @pytest.mark.parametrize(("own", "other"), [("northwind", "contoso"), ("contoso", "northwind")])
    def test_each_sides_internal_evidence_is_hidden_from_the_other(self, seeded, own, other):
        relationship = partnership()
        internal = Evidence.objects.unscoped().filter(
            relationship=relationship, organization__slug=own, visibility=Visibility.INTERNAL
        )
        assert internal.count() >= 20
        ids = list(internal.values_list("pk", flat=True))
        with acting_as(organization(own)):
            assert Evidence.objects.filter(pk__in=ids).count() == len(ids)
        with acting_as(organization(other)):
            assert not Evidence.objects.filter(pk__in=ids).exists()
            assert not Evidence.objects.filter(
                relationship=relationship, organization__slug=own, visibility=Visibility.INTERNAL
            ).exists()
            assert not Requirement.objects.filter(
                relationship=relationship, organization__slug=own, visibility=Visibility.INTERNAL
            ).exists()
            assert (
                not DecisionRecord.objects.filter(
                    relationship=relationship, visibility=Visibility.INTERNAL
                )
                .exclude(organization__slug=other)
                .exists()
            )
            # What they share stays shared: the joint evidence of stage 4 and 5.
            assert Evidence.objects.filter(
                relationship=relationship, organization__slug=own, visibility=Visibility.JOINT
            ).exists()

    def test_the_other_relationships_reached_their_stage_through_gates(self, seeded):
        supply = Relationship.objects.unscoped().get(
            lead_organization__slug="contoso", parties__organization__slug="fabrikam"
        )
        ecosystem = Relationship.objects.unscoped().get(
            lead_organization__slug="northwind", type=RelationshipType.ECOSYSTEM
        )
        for relationship, stage, ser in (
            (supply, 4, "executive@contoso.example"),
            (ecosystem, 5, "executive@northwind.example"),
        ):
            assert relationship.current_stage == stage
            gates = passed_gates(relationship)
            assert [g.to_stage for g in gates] == list(range(2, stage + 1))
            approvals = DecisionRecord.objects.unscoped().filter(
                gate__in=gates, kind=RecordKind.APPROVED
            )
            assert {a.actor_id for a in approvals} == {member(ser).pk}
            assert chain_verify(relationship_id=relationship.pk).verified

    def test_northwind_takes_no_part_in_the_contoso_fabrikam_relationship(self, seeded):
        relationship = Relationship.objects.unscoped().get(
            lead_organization__slug="contoso", parties__organization__slug="fabrikam"
        )
        assert party(relationship, "fabrikam").status == PartyStatus.ACTIVE
        parties = Party.objects.unscoped().filter(relationship=relationship)
        assert not parties.filter(organization__slug="northwind").exists()
        with acting_as(Organization.objects.unscoped().get(slug="northwind")):
            assert not Relationship.objects.filter(pk=relationship.pk).exists()

    def test_northwind_orchestrates_an_ecosystem_of_at_least_20_active_members(self, seeded):
        ecosystem = Relationship.objects.unscoped().get(
            lead_organization__slug="northwind", type=RelationshipType.ECOSYSTEM
        )
        assert party(ecosystem, "northwind").role == PartyRole.ORCHESTRATOR
        members = (
            Party.objects.unscoped()
            .filter(relationship=ecosystem, role=PartyRole.MEMBER)
            .select_related("organization")
        )
        active = [p for p in members if p.status == PartyStatus.ACTIVE]
        assert len(active) >= 20
        assert any(p.status == PartyStatus.INVITED for p in members)
        for member in members:
            assert member.organization.size_class in ("micro", "small", "medium")
            admin = authenticate(
                login_request(),
                email=f"admin@{member.organization.slug}.example",
                password=PASSWORD,
            )
            assert admin is not None
            assert Membership.objects.unscoped().get(user=admin).role == Role.ADMIN

    def test_the_audit_trail_names_who_acted(self, seeded):
        from cbrms.audit.models import AuditEvent

        relationship = partnership()
        events = AuditEvent.objects.unscoped().filter(
            table="relationships_relationship", object_id=relationship.pk
        )
        manager = member("manager@northwind.example")
        executive = member("executive@northwind.example")
        assert {e.acting_organization_id for e in events} == {manager.organization_id}
        created = events.get(action="create")
        assert created.actor_user_id == manager.user_id
        # The stage moved one step at a time, each time by the SER's approval.
        moves = [
            (e.changes["current_stage"], e.actor_user_id)
            for e in events.filter(action="update").order_by("id")
            if "current_stage" in e.changes
        ]
        assert moves == [([n, n + 1], executive.user_id) for n in (1, 2, 3, 4)]
        evidence = AuditEvent.objects.unscoped().filter(
            table="lifecycle_evidence", relationship_id=relationship.pk, action="create"
        )
        contoso_manager = member("manager@contoso.example")
        assert set(evidence.values_list("actor_user_id", flat=True)) == {
            manager.user_id,
            contoso_manager.user_id,
        }

    def test_a_second_run_creates_nothing(self, seeded):
        assert "created" in seeded["first"]
        assert "already present" in seeded["second"]
        for table in (
            "governance_auditevent",
            "relationships_party",
            "lifecycle_requirement",
            "lifecycle_evidence",
            "lifecycle_decisionrecord",
            "lifecycle_gateapprover",
        ):
            assert seeded["counts"][table] > 0, table
        assert row_counts() == seeded["counts"]  # every table, the audit trail included

    def test_a_second_run_only_checks(self, seeded, django_assert_max_num_queries):
        with django_assert_max_num_queries(5):
            output = seed()
        assert "nothing to do" in output


def test_a_partly_seeded_database_is_completed(db):
    """A run that finds some of the demo (say, one organization) adds only the rest."""
    from relationships.services.organizations import organization_create

    organization_create(name="Contoso", slug="contoso", size_class="medium", country="NL")
    output = seed()
    assert "Already present: 1 organization." in output
    assert Organization.objects.unscoped().filter(slug="contoso").count() == 1
    assert (
        authenticate(login_request(), email="viewer@contoso.example", password=PASSWORD) is not None
    )
