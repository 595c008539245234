"""Internal stage data never reaches another organization, through any endpoint.

DOMAIN.md: the records of stages 1-3, and stage 4 except the engagement with candidate partners,
are internal to one organization. The scene below gives both parties internal work with
evidence (notes, links and files, each carrying a unique marker string in its title, note, URL,
file name or content), requirement justifications, and the lead's stage 1-4 gates with marked
reasons and comments; then joint stage 4-5 work with markers of its own.

Every GET endpoint under ``/api/v1/orgs/{org}/`` and every browser page under ``/o/{org}/`` is
discovered from the URL resolver (a resource added later is walked without anyone listing it
here), its path parameters filled with the relationships' ids and every id of the lead's
internal objects, lists followed page by page. No response to the partner or a stranger may
hold a marker it must not see, internal ids answer 404, and lists never include them. The lead
walks the same endpoints and does find its own markers: the walk reaches the data.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.db.models import Q
from django.urls import URLPattern, get_resolver
from rest_framework.test import APIClient

from cbrms.audit.filtersets import audited_tables
from cbrms.audit.models import AuditEvent
from cbrms.jobs.models import Job, JobState
from governance.models import (
    Action,
    Decision,
    Issue,
    KnowledgeAsset,
    Kpi,
    Measurement,
    Meeting,
    Objective,
    Risk,
)
from governance.services.issues import issue_escalate, issue_raise
from governance.services.knowledge import knowledge_create
from governance.services.meetings import action_create, decision_record, meeting_create
from governance.services.objectives import kpi_create, measurement_record, objective_create
from governance.services.risks import risk_create
from lifecycle.models import DecisionRecord, Document, Evidence, GateApprover, Requirement, Section
from lifecycle.services.document_versions import version_decide, version_request
from lifecycle.services.documents import document_create, section_save
from lifecycle.services.requirements import requirement_update
from relationships.models import Relationship, Role, Visibility
from relationships.roles import role_can
from relationships.services.relationships import (
    party_invite,
    relationship_create,
)
from tests.conftest import ROLES, World, api_client_for, session_client_for
from tests.factories import make_relationship
from tests.lifecycle.builders import (
    PDF_HEAD,
    add_evidence,
    as_member,
    decide,
    remove_stored_files,
    request,
    requirements_of,
    settle,
    world_side,
)
from tests.lifecycle.helpers import Side
from tests.security.test_tenancy_bypass import ORG_PREFIX, walk

pytestmark = pytest.mark.django_db

BROWSER_PREFIX = "o/<slug:org_slug>/"
#: Parameters that are not ids, and the values the walks fill them with: a section's key (of
#: every kind of document), a version's number.
NAMED_PARAMS = {"key": ["purpose", "objectives", "triggers", "policy"], "number": [1, 2]}


def param_values(name: str, ids, *, every_named: bool = True):
    """What a walk fills the parameter ``name`` with: its named values (or the first only, in
    the widest sweeps), else ``ids``."""
    if name in NAMED_PARAMS:
        return NAMED_PARAMS[name] if every_named else NAMED_PARAMS[name][:1]
    return ids


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
#: Lists whose rows are objects of a kind the lead keeps internal: route name -> (kind, key).
LIST_ROWS = {
    "relationship-list": ("relationship", "id"),
    "requirement-list": ("requirement", "id"),
    "evidence-list": ("evidence", "id"),
    "gate-list": ("decision", "id"),
    "decision-list": ("decision", "id"),
    "audit-event-list": ("audit", "id"),
    "approval-inbox": ("decision", "gate"),
    "document-list": ("document", "id"),
    "risk-list": ("risk", "id"),
    "issue-list": ("issue", "id"),
    "knowledge-asset-list": ("knowledge", "id"),
    "objective-list": ("objective", "id"),
    "kpi-list": ("kpi", "id"),
    "measurement-list": ("measurement", "id"),
    "meeting-list": ("meeting", "id"),
    "meeting-decision-list": ("meeting-decision", "id"),
    "action-list": ("action", "id"),
    "activity-list": ("audit", "id"),
}
#: Detail routes and the kind of object their ``pk`` names.
TYPED_DETAILS = {
    "relationship-detail": "relationship",
    "requirement-detail": "requirement",
    "evidence-detail": "evidence",
    "evidence-download": "evidence",
    "gate-detail": "decision",
    "audit-event-detail": "audit",
    "document-detail": "document",
    "risk-detail": "risk",
    "issue-detail": "issue",
    "knowledge-asset-detail": "knowledge",
    "objective-detail": "objective",
    "kpi-detail": "kpi",
    "measurement-detail": "measurement",
    "meeting-detail": "meeting",
    "meeting-decision-detail": "meeting-decision",
    "action-detail": "action",
}


# --- the scene ---------------------------------------------------------------------------------


@dataclass
class Scene:
    world: World
    lead: Side
    partner: Side
    shared: Relationship  # stage 5: the lead's stages 1-4 decided, a joint gate pending
    engaging: Relationship  # stage 4: the lead's internal stage-4 gate pending
    private: Relationship  # the lead alone; the partner is invited but has not accepted
    markers: dict[str, set[str]] = field(default_factory=dict)  # lead | partner | joint
    #: The lead's internal objects: kind -> {id: relationship id}
    internal: dict[str, dict[int, int]] = field(default_factory=dict)
    #: The partner's internal objects, which the lead must not reach either.
    partner_internal: dict[str, dict[int, int]] = field(default_factory=dict)
    #: Every document of the scene, whoever owns it: what ``document`` parameters take.
    document_ids: list[int] = field(default_factory=list)
    #: Each side's job (a PDF asked for, failed with a marked message): ``<uuid:pk>`` takes these.
    job_ids: list[str] = field(default_factory=list)
    job_markers: set[str] = field(default_factory=set)

    def mark(self, owner: str, what: str) -> str:
        marker = f"{owner}secret-{what}-{uuid.uuid4().hex[:10]}"
        self.markers.setdefault(owner, set()).add(marker)
        return marker

    @property
    def relationship_ids(self) -> list[int]:
        return [
            self.shared.pk,
            self.engaging.pk,
            self.private.pk,
            self.world.stranger_relationship.pk,
        ]


def _internal_work(scene: Scene, side: Side, relationship: Relationship, owner: str, stage: int):
    """A note, a link and a file on three internal requirements, a justified fourth."""
    requirements = requirements_of(relationship, side.organization, stage=stage)
    note, link, file, *_, justified = requirements
    add_evidence(
        note,
        side.manager,
        title=scene.mark(owner, f"s{stage}-note-title"),
        note=f"Board minutes: {scene.mark(owner, f's{stage}-note-text')}",
    )
    add_evidence(
        link,
        side.manager,
        kind="link",
        title=scene.mark(owner, f"s{stage}-link-title"),
        url=f"https://intranet.example/{scene.mark(owner, f's{stage}-link-url')}",
    )
    pdf = stage % 2 == 1
    content_marker = scene.mark(owner, f"s{stage}-file-content")
    add_evidence(
        file,
        side.manager,
        kind="file",
        title=scene.mark(owner, f"s{stage}-file-title"),
        filename=scene.mark(owner, f"s{stage}-file-name") + (".pdf" if pdf else ".txt"),
        content=(PDF_HEAD if pdf else b"") + f"Scores: {content_marker}\n".encode(),
    )
    with as_member(side.manager):
        requirement_update(
            requirement=justified,
            organization=side.organization,
            status="not_applicable",
            justification=scene.mark(owner, f"s{stage}-justification"),
        )


def _joint_work(scene: Scene, side: Side, relationship: Relationship, stage: int, who: str):
    requirements = requirements_of(
        relationship, relationship.lead_organization, stage=stage, visibility=Visibility.JOINT
    )
    index = 0 if who == "lead" else 1
    add_evidence(
        requirements[index],
        side.manager,
        title=scene.mark("joint", f"s{stage}-{who}-note-title"),
        note=scene.mark("joint", f"s{stage}-{who}-note-text"),
    )
    content_marker = scene.mark("joint", f"s{stage}-{who}-file-content")
    add_evidence(
        requirements[index],
        side.manager,
        kind="file",
        title=scene.mark("joint", f"s{stage}-{who}-file-title"),
        filename=scene.mark("joint", f"s{stage}-{who}-file-name") + ".txt",
        content=f"Joint plan: {content_marker}\n".encode(),
    )


def _write(document: Document, side: Side, key: str, body: str) -> None:
    with as_member(side.manager):
        section = Section.objects.select_related("document__relationship").get(
            document=document, key=key
        )
        section_save(
            section=section, membership=side.manager, expected_version=section.version, body=body
        )


def _documents(scene: Scene) -> None:
    """Each organization's own plans of the shared relationship (the lead's issued), the
    lead's corporate RMP and exit strategy draft, and their joint RMP, each with markers."""
    lead, partner = scene.lead, scene.partner
    shared = Relationship.objects.unscoped().get(pk=scene.shared.pk)  # at stage 5 by now
    made = []
    for side, owner, kind, key in (
        (lead, "lead", "internal_rmp", "objectives"),
        (lead, "lead", "exit_strategy", "triggers"),
        (lead, "lead", "corporate_rmp", "policy"),
        (partner, "partner", "internal_rmp", "objectives"),
        (lead, "joint", "joint_rmp", "purpose"),
    ):
        with as_member(side.manager):
            document = document_create(
                kind=kind,
                organization=side.organization,
                membership=side.manager,
                relationship=None if kind == "corporate_rmp" else shared,
            )
        _write(document, side, key, scene.mark(owner, f"{kind}-{key}"))
        made.append(document)
    internal = made[0]
    with as_member(lead.manager):
        version = version_request(
            document=internal, requested_by=lead.manager, reason=scene.mark("lead", "issue")
        )
    with as_member(lead.ser):
        version_decide(
            version=version, approver=lead.ser, approve=True, comment=scene.mark("lead", "issued")
        )
    scene.document_ids = [document.pk for document in made]
    for side, owner in ((lead, "lead"), (partner, "partner")):
        with as_member(side.manager):
            job = Job.objects.create(
                organization=side.organization,
                requested_by=side.manager.user,
                kind="document_pdf",
                title=(title := scene.mark(owner, "job-title")),
                params={"version": version.pk},
                state=JobState.FAILED,
                error_code="job_error",
                error_message=(error := scene.mark(owner, "job-error")),
            )
        scene.job_ids.append(str(job.pk))
        scene.job_markers |= {title, error}


def _registers(scene: Scene) -> None:
    """The workspace registers of the shared relationship: each side's internal rows and a
    joint one, each with markers."""
    for side, owner, visibility in (
        (scene.lead, "lead", "internal"),
        (scene.partner, "partner", "internal"),
        (scene.lead, "joint", "joint"),
    ):
        with as_member(side.manager):
            risk_create(
                relationship=Relationship.objects.unscoped().get(pk=scene.shared.pk),
                membership=side.manager,
                title=scene.mark(owner, f"risk-{visibility}-title"),
                cause=scene.mark(owner, f"risk-{visibility}-cause"),
                likelihood=4,
                impact=3,
                visibility=visibility,
            )
            issue = issue_raise(
                relationship=Relationship.objects.unscoped().get(pk=scene.shared.pk),
                membership=side.manager,
                title=scene.mark(owner, f"issue-{visibility}-title"),
                description=scene.mark(owner, f"issue-{visibility}-description"),
                visibility=visibility,
            )
            issue_escalate(
                issue=issue,
                membership=side.manager,
                reason=scene.mark(owner, f"issue-{visibility}-reason"),
            )
            knowledge_create(
                relationship=Relationship.objects.unscoped().get(pk=scene.shared.pk),
                membership=side.manager,
                name=scene.mark(owner, f"knowledge-{visibility}-name"),
                sharing="conditions",
                conditions=scene.mark(owner, f"knowledge-{visibility}-conditions"),
                visibility=visibility,
            )
            _workspace(scene, side, owner, visibility)


def _workspace(scene: Scene, side, owner: str, visibility: str) -> None:
    """An objective with a KPI and a value, a meeting with a decision and an action."""
    relationship = Relationship.objects.unscoped().get(pk=scene.shared.pk)
    objective = objective_create(
        relationship=relationship,
        membership=side.manager,
        title=scene.mark(owner, f"objective-{visibility}-title"),
        description=scene.mark(owner, f"objective-{visibility}-description"),
        visibility=visibility,
    )
    kpi = kpi_create(
        objective=objective,
        membership=side.manager,
        name=scene.mark(owner, f"kpi-{visibility}-name"),
        unit="%",
        target=Decimal("95"),
        direction="up",
        cadence="monthly",
    )
    measurement_record(
        kpi=kpi,
        membership=side.manager,
        period=datetime.date(2026, 1, 31),
        value=Decimal("91.5"),
        note=scene.mark(owner, f"measurement-{visibility}-note"),
    )
    meeting = meeting_create(
        relationship=relationship,
        membership=side.manager,
        title=scene.mark(owner, f"meeting-{visibility}-title"),
        held_at=datetime.datetime(2026, 2, 1, 10, tzinfo=datetime.UTC),
        minutes=scene.mark(owner, f"meeting-{visibility}-minutes"),
        attendees=[side.manager],
        visibility=visibility,
    )
    decision = decision_record(
        meeting=meeting,
        membership=side.manager,
        title=scene.mark(owner, f"decision-{visibility}-title"),
        rationale=scene.mark(owner, f"decision-{visibility}-rationale"),
    )
    action_create(
        relationship=relationship,
        membership=side.manager,
        title=scene.mark(owner, f"action-{visibility}-title"),
        description=scene.mark(owner, f"action-{visibility}-description"),
        due_date=datetime.date(2026, 3, 1),
        meeting=meeting,
        decision=decision,
        visibility=visibility,
    )


def _ids(queryset, relationship_field: str = "relationship_id") -> dict[int, int]:
    return dict(queryset.values_list("id", relationship_field))


def _collect(scene: Scene, organization, markers: set[str]) -> dict[str, dict[int, int]]:
    rel_ids = [scene.shared.pk, scene.engaging.pk, scene.private.pk]
    own = Q(relationship_id__in=rel_ids, organization=organization)
    is_lead = organization == scene.lead.organization
    # The lead's work on a relationship no other organization is active in is its alone.
    private = Q(relationship=scene.private) if is_lead else Q(pk__in=[])
    internal = Q(visibility=Visibility.INTERNAL) | private
    requirements = Requirement.objects.unscoped().filter(own & internal)
    # Every internal requirement of the shared relationship; of the others, those carrying
    # evidence (their dozens of empty items add nothing but time).
    requirements = requirements.filter(
        Q(relationship=scene.shared) | Q(evidence__isnull=False)
    ).distinct()
    audit = [
        event
        for event in AuditEvent.objects.unscoped().filter(
            organization_id=organization.pk, relationship_id__in=rel_ids
        )
        if any(marker in json.dumps(event.changes) for marker in markers)
    ]
    return {
        "relationship": {scene.private.pk: scene.private.pk} if is_lead else {},
        "requirement": _ids(requirements),
        "evidence": _ids(Evidence.objects.unscoped().filter(own & internal)),
        "decision": _ids(DecisionRecord.objects.unscoped().filter(own & internal)),
        "approver": _ids(GateApprover.objects.unscoped().filter(own & internal)),
        "document": _ids(
            Document.objects.unscoped().filter(
                (own & internal) | Q(organization=organization, relationship__isnull=True)
            )
        ),
        "risk": _ids(Risk.objects.unscoped().filter(own & internal)),
        "issue": _ids(Issue.objects.unscoped().filter(own & internal)),
        "knowledge": _ids(KnowledgeAsset.objects.unscoped().filter(own & internal)),
        "objective": _ids(Objective.objects.unscoped().filter(own & internal)),
        "kpi": _ids(Kpi.objects.unscoped().filter(own & internal)),
        "measurement": _ids(Measurement.objects.unscoped().filter(own & internal)),
        "meeting": _ids(Meeting.objects.unscoped().filter(own & internal)),
        "meeting-decision": _ids(Decision.objects.unscoped().filter(own & internal)),
        "action": _ids(Action.objects.unscoped().filter(own & internal)),
        "audit": {event.pk: event.relationship_id for event in audit},
    }


@pytest.fixture
def scene(world) -> Iterator[Scene]:
    """Both parties' internal work in stages 1-4, joint work in stages 4-5 (see the module)."""
    lead_org, partner_org = world.own, world.partner
    shared = world.relationship
    engaging = make_relationship(lead=lead_org, partners=(partner_org,), name="Engaging")
    private = relationship_create(organization=lead_org, name="Private", type="partnership")
    with as_member(world.member("own", Role.ADMIN)):
        party_invite(relationship=private, organization=lead_org, invitee=partner_org)
    lead = world_side(world, "own", shared, engaging, private)
    partner = world_side(world, "partner", shared, engaging)
    scene = Scene(world, lead, partner, shared, engaging, private)
    # The names of the relationships the partner works in are joint: strangers never see them.
    for relationship in (shared, engaging):
        relationship.name = scene.mark("joint", "relationship-name")
        Relationship.objects.unscoped().filter(pk=relationship.pk).update(name=relationship.name)

    # Stages 1-4 of the shared relationship: both parties work internally; the lead's SER
    # decides the lead's gates (one rejection on the way).
    for stage in (1, 2, 3, 4):
        _internal_work(scene, lead, shared, "lead", stage)
        _internal_work(scene, partner, shared, "partner", stage)
        if stage == 4:  # the engagement with the chosen partner is joint
            _joint_work(scene, lead, shared, 4, "lead")
            _joint_work(scene, partner, shared, 4, "partner")
        settle(shared, stage)
        if stage == 2:
            rejected = request(shared, lead.manager, reason=scene.mark("lead", "s2-gate-reason"))
            decide(rejected, lead.ser, approve=False, comment=scene.mark("lead", "s2-rejection"))
        gate = request(shared, lead.manager, reason=scene.mark("lead", f"s{stage}-gate-reason"))
        decide(gate, lead.ser, comment=scene.mark("lead", f"s{stage}-approval"))
    assert Relationship.objects.unscoped().get(pk=shared.pk).current_stage == 5

    # Stage 5, joint: both parties add evidence; the lead asks both SERs to decide.
    _joint_work(scene, lead, shared, 5, "lead")
    _joint_work(scene, partner, shared, 5, "partner")
    settle(shared, 5)
    request(shared, lead.manager, reason=scene.mark("joint", "s5-gate-reason"))

    # Stage 4 of another relationship: the lead's internal gate is waiting for its SER.
    Relationship.objects.unscoped().filter(pk=engaging.pk).update(current_stage=4)
    [first, *_] = requirements_of(engaging, lead_org, stage=4)
    add_evidence(first, lead.manager, title=scene.mark("lead", "engaging-note-title"))
    settle(engaging, 4)
    request(engaging, lead.manager, reason=scene.mark("lead", "engaging-gate-reason"))

    # A relationship the partner is only invited to: even its joint items are the lead's alone.
    [internal, *_] = requirements_of(private, lead_org, stage=1)
    add_evidence(internal, lead.manager, note=scene.mark("lead", "private-internal-note"))
    [joint, *_] = requirements_of(private, lead_org, stage=5, visibility=Visibility.JOINT)
    add_evidence(joint, lead.manager, note=scene.mark("lead", "private-joint-note"))

    _documents(scene)
    _registers(scene)
    scene.internal = _collect(scene, lead_org, scene.markers["lead"])
    scene.partner_internal = _collect(scene, partner_org, scene.markers["partner"])
    assert all(scene.internal.values()), scene.internal  # every kind is really there
    assert all(scene.partner_internal[k] for k in ("requirement", "evidence", "audit"))
    yield scene
    remove_stored_files()


# --- walking the URL configuration -------------------------------------------------------------


def _params(route: str) -> list[str]:
    groups = [m[1] for m in _GROUP.finditer(route)]
    return [m[2] for m in _CONVERTER.finditer(_GROUP.sub("", route))] + groups


def fill(route: str, values: dict[str, object]) -> str:
    """The URL of a route (path converters and regular-expression groups alike)."""
    route = _GROUP.sub(lambda m: str(values[m[1]]), route)
    route = _CONVERTER.sub(lambda m: str(values[m[2]]), route)
    return "/" + route.replace("^", "").replace("$", "")


def is_relationship_param(route: str, name: str) -> bool:
    """``relationship`` (nested routes), or the ``pk`` of a relationship's own route."""
    if "relationship" in name:
        return True
    before = re.split(rf"<(?:\w+:)?{name}>|\(\?P<{name}>", route)[0]
    return name == "pk" and before.endswith("relationships/") and before.count("<") == 1


def is_job_param(route: str, name: str) -> bool:
    """A job's id: a UUID, in the browser's ``<uuid:pk>`` or the API's ``jobs/(?P<pk>...)``."""
    return bool(re.search(rf"<uuid:{name}>|jobs/\(\?P<{name}>", route))


def get_routes(prefix: str) -> list[tuple[str, str, str | None]]:
    """(route, name, DRF action or None) of every GET under ``prefix``; fails on a parameter
    it cannot fill, so that no route is skipped silently."""
    return [(route, name, action) for route, name, action, _ in _get_routes(prefix)]


def _get_routes(prefix: str) -> list[tuple[str, str, str | None, type | None]]:
    routes = []
    for route, pattern in walk(get_resolver().url_patterns):
        if not route.startswith(prefix):
            continue
        assert isinstance(pattern, URLPattern)
        actions = getattr(pattern.callback, "actions", None)
        if actions is not None and "get" not in actions:
            continue
        for name in _params(route):
            assert name in ("org_slug", *NAMED_PARAMS) or re.search(
                rf"<(?:int|uuid):{name}>|\(\?P<{name}>", route
            ), f"{route}: the privacy walk does not know how to fill <{name}>; teach it"
        view_class = getattr(pattern.callback, "cls", None)
        routes.append((route, pattern.name, actions["get"] if actions else None, view_class))
    return routes


def urls_for(
    scene: Scene,
    route: str,
    slug: str,
    ids: Iterable[int],
    *,
    relationships: Iterable[int] | None = None,
    every_named: bool = True,
) -> Iterator[str]:
    """Every URL of ``route`` for the acting organization ``slug``: relationship parameters
    take each of ``relationships`` (by default every relationship of the scene), the other
    parameters each of ``ids``."""
    names = [n for n in _params(route) if n != "org_slug"]
    rel_names = [n for n in names if is_relationship_param(route, n)]
    combos: list[dict] = [{}]
    for name in rel_names:
        rels = scene.relationship_ids if relationships is None else relationships
        combos = [{**c, name: rel} for c in combos for rel in rels]
    for name in (n for n in names if n not in rel_names):
        if name == "document":
            values = scene.document_ids
        elif is_job_param(route, name):
            values = scene.job_ids
        else:
            values = param_values(name, ids, every_named=every_named)
        combos = [{**c, name: value} for c in combos for value in values]
    for combo in combos:
        yield fill(route, {"org_slug": slug, **combo})


def typed_urls(route: str, slug: str, objects: dict[int, int], shared: int) -> list[str]:
    """A detail route whose ``pk`` names one kind of object: each object under its own
    relationship and under the shared one."""
    return list(
        dict.fromkeys(
            fill(route, {"org_slug": slug, "relationship": relationship, "pk": pk})
            for pk, rel in objects.items()
            for relationship in (rel, shared)
        )
    )


def query_variants(scene: Scene, name: str, url: str) -> list[str]:
    """Filters and page sizes of a list; the many ones only where the data is visible."""
    variants = ["", "?page_size=20"]
    if f"/relationships/{scene.shared.pk}/" not in url and name != "audit-event-list":
        return variants
    if name in ("requirement-list", "evidence-list", "gate-list"):
        variants += [f"?stage={stage}" for stage in range(1, 6)]
    if name == "requirement-list":
        variants += ["?visibility=internal", "?visibility=joint"]
    if name == "evidence-list":
        variants += ["?kind=file", "?kind=note", "?kind=link"]
    if name == "audit-event-list":
        variants += [f"?relationship={rel}" for rel in scene.relationship_ids]
        variants += [f"?object_type={kind}" for kind in audited_tables() if "lifecycle" in kind]
        evidence = sorted(scene.internal["evidence"])[:3]
        variants += [f"?table=lifecycle_evidence&object_id={pk}" for pk in evidence]
    return variants


# --- reading responses -------------------------------------------------------------------------


def body_of(response) -> str:
    """Headers and body, lower-cased (markers are lower-case: no template can hide one)."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)  # closes the response when done
    else:
        content = response.content
    headers = "\n".join(f"{k}: {v}" for k, v in response.items())
    return (headers + "\n" + content.decode("utf-8", "replace")).lower()


@dataclass
class Walk:
    """What one member saw: every body, and whatever went wrong."""

    who: str
    role: str
    client: APIClient
    forbidden: set[str]  # markers that must never show
    hidden: dict[str, dict[int, int]]  # kind -> ids that must answer 404 and never be listed
    seen: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)

    def saw(self, marker: str) -> bool:
        return any(marker in text for text in self.seen)

    def get(self, url: str, *, ok=(200, 403, 404)):
        self.visited.add(url)
        response = self.client.get(url)
        text = body_of(response)
        self.seen.append(text)
        if response.status_code not in ok:
            self.problems.append(f"{self.who} GET {url}: {response.status_code}")
        leaked = sorted(m for m in self.forbidden if m in text)
        if leaked:
            self.problems.append(f"{self.who} GET {url} ({response.status_code}) shows {leaked}")
        return response

    def expect_404(self, url: str, *, view_class=None, action: str | None = None) -> None:
        """404, as for an object that does not exist; or 403 for a role refused the action
        whatever the object (the capability is checked before anything is read)."""
        expected = 404
        if view_class is not None and not role_can(self.role, view_class.capabilities[action]):
            expected = 403
        response = self.get(url)
        if response.status_code != expected:
            self.problems.append(f"{self.who} GET {url}: {response.status_code}, not {expected}")

    def walk_list(self, url: str, name: str) -> None:
        """A list, page after page: no hidden object among its rows; listed files fetched."""
        for _ in range(100):
            if url in self.visited:
                return
            response = self.get(url)
            if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
                return  # an export (CSV): read for markers by ``get``, no rows to page
            data = response.json()
            rows = data.get("results", []) if isinstance(data, dict) else data
            rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
            if name in LIST_ROWS:
                kind, key = LIST_ROWS[name]
                listed = {row.get(key) for row in rows} & set(self.hidden[kind])
                if listed:
                    self.problems.append(f"{self.who} GET {url} lists {kind} {sorted(listed)}")
            for row in rows:
                download = row.get("download_url")
                if download and download not in self.visited:
                    self.get(download)
            url = data.get("next") if isinstance(data, dict) else None
            if not url:
                return
        self.problems.append(f"{self.who}: {url} pages without end")


def _only_relationships(route: str) -> bool:
    """No parameter but the organization and relationships: walked for every relationship."""
    names = [n for n in _params(route) if n != "org_slug"]
    return all(is_relationship_param(route, n) for n in names)


def walk_api(scene: Scene, walk_: Walk, slug: str, *, every_id: bool) -> None:
    """Every GET under /api/v1/orgs/{slug}/ (see the module docstring).

    Lists are walked for every relationship of the scene, with filters. Detail routes whose
    ``pk`` names a kind of internal object take every such object. ``every_id`` also fills
    every other detail route's ``pk`` with every id of the internal objects, whatever their
    kind (a typed route gets its own kind's ids above: another kind's ids add nothing but
    time). Data scoping does not depend on the role (a role's capabilities refuse with 403
    before anything is read), so that widest sweep runs for the role with the most
    capabilities.
    """
    every = sorted({pk for kind, ids in walk_.hidden.items() if kind != "audit" for pk in ids})
    every += scene.relationship_ids
    for route, name, action, view_class in _get_routes(ORG_PREFIX):
        listed = action in ("list", "verify") or _only_relationships(route)
        if listed:
            for url in urls_for(scene, route, slug, []):
                # Filters and page sizes in the widest sweep: the scope of a list does not
                # depend on the role, and a role refused the list is refused before any filter.
                variants = (
                    query_variants(scene, name, url) if action == "list" and every_id else [""]
                )
                if getattr(view_class, "pagination_class", None) is None:  # no pages to size
                    variants = [v for v in variants if "page_size" not in v]
                for variant in variants:
                    walk_.walk_list(url + variant, name)
        if name in TYPED_DETAILS:
            objects = walk_.hidden[TYPED_DETAILS[name]]
            for url in typed_urls(route, slug, objects, scene.shared.pk):
                walk_.expect_404(url, view_class=view_class, action=action)
        if every_id and not listed and name not in TYPED_DETAILS:
            every_url = urls_for(
                scene, route, slug, every, relationships=[scene.shared.pk], every_named=False
            )
            # A job's download answers 409 while the job has no file (the scene's failed).
            ok = (200, 403, 404, 409) if name == "job-download" else (200, 403, 404)
            for url in every_url:
                if url not in walk_.visited:
                    walk_.get(url, ok=ok)


#: Browser parameters that name one kind of object, by a word in their name.
PARAM_KINDS = {
    "requirement": "requirement",
    "evidence": "evidence",
    "gate": "decision",
    "document": "document",
    "objective": "objective",
    "kpi": "kpi",
    "meeting": "meeting",
    "action": "action",
    "decision": "meeting-decision",
    "risk": "risk",
    "issue": "issue",
    "asset": "knowledge",
}


def param_kind(route: str, name: str) -> str | None:
    """The kind of object a browser parameter names, if one: by its name, or the ``pk`` of
    the documents' pages."""
    if name == "pk" and "documents/<int:pk>" in route:
        return "document"
    return next((k for word, k in PARAM_KINDS.items() if word in name), None)


def walk_browser(scene: Scene, walk_: Walk, slug: str, *, every_id: bool) -> int:
    """Every page under /o/{slug}/; returns how many answered 200.

    Relationship parameters take every relationship of the scene; a parameter named after a
    kind of object (``requirement_pk``, ``evidence_pk``, ``gate_pk``, ``objective_pk``...)
    takes every internal object of that kind, under its own relationship and the shared one;
    ``every_id`` fills every other parameter with every internal id (without it, with the
    relationships' ids). A page that refuses GET (405) does so
    whatever its parameters: it is not asked again.
    """
    every = sorted({pk for kind, ids in walk_.hidden.items() if kind != "audit" for pk in ids})
    answered = 0
    for route, _, _ in get_routes(BROWSER_PREFIX):
        names = [n for n in _params(route) if n != "org_slug"]
        rel_names = [n for n in names if is_relationship_param(route, n)]
        other = [n for n in names if n not in rel_names]
        urls: list[str] = []
        if not other:
            urls += urls_for(scene, route, slug, [])
        named = {n: NAMED_PARAMS[n][0] for n in other if n in NAMED_PARAMS}
        for name in other:
            kind = param_kind(route, name)
            if kind is not None:
                for pk, rel in walk_.hidden[kind].items():
                    for relationship in dict.fromkeys((rel or scene.shared.pk, scene.shared.pk)):
                        values = {"org_slug": slug, name: pk, **named}
                        values.update(dict.fromkeys(rel_names, relationship))
                        urls.append(fill(route, {**dict.fromkeys(other, pk), **values}))
            if kind is None and name not in NAMED_PARAMS:
                ids = every if every_id else scene.relationship_ids
                urls += urls_for(
                    scene, route, slug, ids, relationships=[scene.shared.pk], every_named=False
                )
        for url in dict.fromkeys(urls):
            response = walk_.get(url, ok=(200, 302, 403, 404, 405))
            answered += response.status_code == 200
            if response.status_code == 405:
                break
    return answered


def _report(walks: list[Walk]) -> str:
    problems = [p for w in walks for p in w.problems]
    return f"{len(problems)} problem(s):\n" + "\n".join(problems[:40])


def _forbidden(scene: Scene, position: str) -> set[str]:
    if position == "partner":
        return scene.markers["lead"]
    return scene.markers["lead"] | scene.markers["partner"] | scene.markers["joint"]


# --- the tests ---------------------------------------------------------------------------------


def test_the_walk_reaches_every_lifecycle_and_audit_endpoint():
    names = {name for _, name, _ in get_routes(ORG_PREFIX)}
    for expected in (
        "approval-inbox",
        "audit-event-list",
        "audit-event-detail",
        "framework",
        "requirement-list",
        "requirement-detail",
        "evidence-list",
        "evidence-detail",
        "evidence-download",
        "gate-list",
        "gate-detail",
        "decision-list",
        "decision-verify",
        "stage-list",
    ):
        assert expected in names


@pytest.mark.parametrize("position", ["partner", "stranger"])
def test_no_endpoint_shows_the_lead_s_internal_work_to_another_organization(scene, position):
    world = scene.world
    walks = []
    for role in ROLES:
        client = api_client_for(world.member(position, role))
        walk_ = Walk(
            f"{position}/{role}", role, client, _forbidden(scene, position), scene.internal
        )
        walk_api(scene, walk_, world.org(position).slug, every_id=role == Role.ADMIN)
        # The lead's organization in the URL does not answer another organization's token.
        for rel in scene.relationship_ids[:3]:
            walk_.expect_404(f"/api/v1/orgs/{world.own.slug}/relationships/{rel}/")
        walks.append(walk_)
        if position == "partner":
            # The walk does reach what the partner may see: the joint work and its own.
            expected = scene.markers["joint"] | scene.markers["partner"]
            if role not in (Role.ADMIN, Role.RELATIONSHIP_MANAGER):
                expected -= scene.job_markers  # a job is its requester's (and the admins')
            missing = sorted(m for m in expected if not walk_.saw(m))
            assert not missing, f"{role} never saw {missing}: the walk misses data"
    assert not any(w.problems for w in walks), _report(walks)
    if position == "partner":  # the partner's SER has the joint gate in its inbox
        executive = next(w for w in walks if w.who.endswith(Role.EXECUTIVE))
        assert executive.saw(next(m for m in scene.markers["joint"] if "s5-gate-reason" in m))


def test_the_lead_walk_finds_its_own_markers_and_none_of_the_partner_s(scene):
    """The same walk as the lead: its internal work is there (so the walk can fail), the
    partner's internal work is not, and the partner's internal ids answer 404."""
    client = api_client_for(scene.world.member("own", Role.ADMIN))
    walk_ = Walk("own/admin", Role.ADMIN, client, scene.markers["partner"], scene.partner_internal)
    slug = scene.world.own.slug
    walk_api(scene, walk_, slug, every_id=False)
    for route, name, _ in get_routes(ORG_PREFIX):
        if name in TYPED_DETAILS and name != "relationship-detail":  # its own objects: found
            objects = scene.internal[TYPED_DETAILS[name]].items()
            urls = [fill(route, {"org_slug": slug, "relationship": r, "pk": k}) for k, r in objects]
            statuses = {walk_.get(url).status_code for url in urls}
            # Only files download, and only gate requests are gates: the others answer 404.
            partial = name in ("evidence-download", "gate-detail")
            assert statuses == {200} or (partial and statuses == {200, 404}), (name, statuses)
    walk_.client = scene.lead.ser_api  # the SER's inbox holds the lead's internal gate
    walk_.get(f"/api/v1/orgs/{slug}/approvals/")
    assert not walk_.problems, _report([walk_])
    expected = scene.markers["lead"] | scene.markers["joint"]
    missing = sorted(m for m in expected if not walk_.saw(m))
    assert not missing, f"the lead never saw {missing}"


def test_the_partner_learns_nothing_of_the_lead_s_pending_internal_gate(scene):
    """Stage 4 of ``engaging`` waits for the lead's SER: the lead sees that, the partner not."""
    for side, state in ((scene.lead, "gate_requested"), (scene.partner, "in_progress")):
        stages = side.manager_api.get(side.url(scene.engaging, "stages/")).json()
        assert stages[3]["state"] == state, side.organization.slug
    inbox = scene.partner.ser_api.get(f"/api/v1/orgs/{scene.partner.organization.slug}/approvals/")
    assert [row["relationship"]["id"] for row in inbox.json()] == [scene.shared.pk]


@pytest.mark.parametrize("position", ["partner", "stranger"])
def test_no_browser_page_shows_the_lead_s_internal_work(scene, position):
    """Pages under /o/<org>/: the relationships' pages, and the lifecycle's pages as soon as
    their URLs are included under /o/<org>/ (the walk discovers them)."""
    world = scene.world
    walks, answered = [], 0
    for role in ROLES:
        client = session_client_for(world.member(position, role))
        who = f"{position}/{role} (browser)"
        walk_ = Walk(who, role, client, _forbidden(scene, position), scene.internal)
        answered += walk_browser(
            scene, walk_, world.org(position).slug, every_id=role == Role.ADMIN
        )
        walks.append(walk_)
    assert not any(w.problems for w in walks), _report(walks)
    assert answered > 0
    if position == "partner":
        page = session_client_for(world.member("partner", Role.VIEWER)).get(
            f"/o/{world.partner.slug}/relationships/{scene.shared.pk}/"
        )
        assert page.status_code == 200
        assert scene.shared.name in page.content.decode()
