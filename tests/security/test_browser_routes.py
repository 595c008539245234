"""Every browser page of an organization (``/o/<org>/...``), found by the URL resolver, is
classified here: what capability it needs and which methods it answers. A page nobody
classified fails the walk; a classified one is tried as the least role and as a member who may."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from relationships.models import Role
from relationships.roles import Capability, role_can

pytestmark = pytest.mark.django_db

READ = ("GET",)
WRITE = ("POST",)

#: name -> (capability needed, or None for any member; the methods the page answers)
ROUTES: dict[str, tuple[Capability | None, tuple[str, ...]]] = {
    "organization-home": (None, ("GET", "POST")),  # a redirect to the list, whatever the method
    "relationship-list": (None, READ),
    "relationship-detail": (None, READ),
    "organization-switch": (None, READ),
    "relationship-create": (Capability.RELATIONSHIPS_MANAGE, ("GET", "POST")),
    "member-list": (Capability.MEMBERS_VIEW, READ),
    "organization-ser": (Capability.ORGANIZATION_CHANGE, WRITE),
    "member-invite": (Capability.MEMBERS_MANAGE, WRITE),
    "member-unlock": (Capability.MEMBERS_MANAGE, WRITE),
    "member-invitation-resend": (Capability.MEMBERS_MANAGE, WRITE),
    "member-invitation-revoke": (Capability.MEMBERS_MANAGE, WRITE),
    "approvals": (Capability.LIFECYCLE_VIEW, READ),
    "relationship-requirement": (Capability.LIFECYCLE_VIEW, READ),
    "relationship-requirement-status": (Capability.REQUIREMENTS_EDIT, WRITE),
    "relationship-requirement-plan": (Capability.REQUIREMENTS_EDIT, WRITE),
    "relationship-evidence-add": (Capability.EVIDENCE_MANAGE, WRITE),
    "relationship-evidence-pin": (Capability.EVIDENCE_MANAGE, WRITE),
    "relationship-evidence-status": (Capability.EVIDENCE_MANAGE, WRITE),
    "relationship-evidence-replace": (Capability.EVIDENCE_MANAGE, WRITE),
    "relationship-evidence-download": (Capability.LIFECYCLE_VIEW, READ),
    "relationship-gate": (Capability.LIFECYCLE_VIEW, READ),
    "relationship-gate-request": (Capability.GATES_REQUEST, WRITE),
    "relationship-gate-decide": (Capability.GATES_DECIDE, WRITE),
    "relationship-party-invite": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-party-revoke": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-party-resend": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-party-leave": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-party-ser": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-join-request-approve": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-join-request-refuse": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-join-requests": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-partner-invite": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-partner-invitation-resend": (Capability.PARTIES_MANAGE, WRITE),
    "relationship-partner-invitation-revoke": (Capability.PARTIES_MANAGE, WRITE),
    "ecosystem-list": (Capability.RELATIONSHIPS_VIEW, READ),
    "risk-list": (Capability.REGISTERS_VIEW, READ),
    "risk-create": (Capability.REGISTERS_EDIT, WRITE),
    "risk-export": (Capability.REGISTERS_VIEW, READ),
    "risk-page": (Capability.REGISTERS_VIEW, READ),
    "risk-update": (Capability.REGISTERS_EDIT, WRITE),
    "issue-list": (Capability.REGISTERS_VIEW, READ),
    "issue-create": (Capability.REGISTERS_EDIT, WRITE),
    "issue-page": (Capability.REGISTERS_VIEW, READ),
    "issue-move": (Capability.REGISTERS_EDIT, WRITE),
    "knowledge-list": (Capability.REGISTERS_VIEW, READ),
    "knowledge-create": (Capability.REGISTERS_EDIT, WRITE),
    "knowledge-export": (Capability.REGISTERS_VIEW, READ),
    "knowledge-page": (Capability.REGISTERS_VIEW, READ),
    "knowledge-update": (Capability.REGISTERS_EDIT, WRITE),
    "issue-export": (Capability.REGISTERS_VIEW, READ),
    "ladder-update": (Capability.PARTIES_MANAGE, WRITE),
    "objective-list": (Capability.REGISTERS_VIEW, READ),
    "objective-create": (Capability.REGISTERS_EDIT, WRITE),
    "objective-export": (Capability.REGISTERS_VIEW, READ),
    "measurement-export": (Capability.REGISTERS_VIEW, READ),
    "objective-page": (Capability.REGISTERS_VIEW, READ),
    "objective-update": (Capability.REGISTERS_EDIT, WRITE),
    "kpi-create": (Capability.REGISTERS_EDIT, WRITE),
    "measurement-create": (Capability.REGISTERS_EDIT, WRITE),
    "meeting-list": (Capability.REGISTERS_VIEW, READ),
    "meeting-create": (Capability.REGISTERS_EDIT, WRITE),
    "meeting-export": (Capability.REGISTERS_VIEW, READ),
    "meeting-page": (Capability.REGISTERS_VIEW, READ),
    "meeting-update": (Capability.REGISTERS_EDIT, WRITE),
    "meeting-decision-create": (Capability.REGISTERS_EDIT, WRITE),
    "meeting-decision-update": (Capability.REGISTERS_EDIT, WRITE),
    "kpi-update": (Capability.REGISTERS_EDIT, WRITE),
    "meeting-action-create": (Capability.REGISTERS_EDIT, WRITE),
    "action-list": (Capability.REGISTERS_VIEW, READ),
    "action-create": (Capability.REGISTERS_EDIT, WRITE),
    "action-export": (Capability.REGISTERS_VIEW, READ),
    "action-page": (Capability.REGISTERS_VIEW, READ),
    "action-update": (Capability.REGISTERS_EDIT, WRITE),
    "action-done": (Capability.REGISTERS_EDIT, WRITE),
    "survey-list": (Capability.REGISTERS_VIEW, READ),
    "survey-open": (Capability.SURVEYS_RUN, WRITE),
    "survey-threshold": (Capability.SURVEYS_RUN, WRITE),
    "survey-export": (Capability.REGISTERS_VIEW, READ),
    "survey-page": (Capability.REGISTERS_VIEW, READ),
    "survey-answer": (Capability.SURVEYS_ANSWER, WRITE),
    "survey-close": (Capability.SURVEYS_RUN, WRITE),
    "activity": (Capability.REGISTERS_VIEW, READ),
    "export-request": (Capability.REGISTERS_VIEW, WRITE),
    "maturity-list": (Capability.REGISTERS_VIEW, READ),
    "maturity-open": (Capability.REVIEWS_RUN, WRITE),
    "maturity-review": (Capability.REGISTERS_VIEW, READ),
    "maturity-answer": (Capability.REVIEWS_ANSWER, WRITE),
    "maturity-submit": (Capability.REVIEWS_RUN, WRITE),
    "maturity-pdf": (Capability.REGISTERS_VIEW, WRITE),
    "ecosystem-join": (Capability.ECOSYSTEMS_JOIN, WRITE),
    "invitation-list": (Capability.PARTIES_VIEW, READ),
    "invitation-accept": (Capability.INVITATIONS_ANSWER, WRITE),
    "invitation-decline": (Capability.INVITATIONS_ANSWER, WRITE),
    "document-list": (Capability.DOCUMENTS_VIEW, READ),
    "document-start": (Capability.DOCUMENTS_START, WRITE),
    "document-page": (Capability.DOCUMENTS_VIEW, READ),
    "document-section-edit": (Capability.DOCUMENTS_EDIT, ("GET", "POST")),
    "document-section-editing": (Capability.DOCUMENTS_EDIT, WRITE),
    "document-version-request": (Capability.DOCUMENTS_ISSUE, WRITE),
    "document-version-decide": (Capability.GATES_DECIDE, WRITE),
    "document-compare": (Capability.DOCUMENTS_VIEW, READ),
    "document-version-pdf": (Capability.DOCUMENTS_VIEW, WRITE),
    "download-list": (Capability.JOBS_VIEW, READ),
    "job-page": (Capability.JOBS_VIEW, READ),
    "job-file": (Capability.JOBS_VIEW, READ),
    "job-cancel-form": (Capability.JOBS_VIEW, WRITE),
    "webhook-list": (Capability.WEBHOOKS_MANAGE, ("GET", "POST")),
    "webhook-events": (Capability.WEBHOOKS_MANAGE, READ),
    "webhook-detail": (Capability.WEBHOOKS_MANAGE, ("GET", "POST")),
    "webhook-rotate": (Capability.WEBHOOKS_MANAGE, WRITE),
    "webhook-test": (Capability.WEBHOOKS_MANAGE, WRITE),
    "webhook-enable": (Capability.WEBHOOKS_MANAGE, WRITE),
    "webhook-disable": (Capability.WEBHOOKS_MANAGE, WRITE),
    "webhook-delete": (Capability.WEBHOOKS_MANAGE, WRITE),
    "webhook-replay": (Capability.WEBHOOKS_MANAGE, WRITE),
    "portfolio": (Capability.SYSTEM_VIEW, READ),
    "portfolio-place": (Capability.SYSTEM_MANAGE, WRITE),
    "portfolio-criteria": (Capability.SYSTEM_MANAGE, WRITE),
}


def organization_routes() -> dict[str, tuple[str, URLPattern]]:
    """name -> (full route, pattern) of every page under ``o/<org_slug>/``."""
    found = {}

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route.startswith("o/<slug:org_slug>/"):
                found[pattern.name] = (route, pattern)

    walk(get_resolver().url_patterns)
    return found


def url_of(name: str, org) -> str:
    """The page for ``org`` with every id set to one nobody has: the checks below come first."""
    route, _ = organization_routes()[name]
    ids = dict.fromkeys(re.findall(r"<int:(\w+)>", route), 987654)
    slugs = dict.fromkeys(re.findall(r"<slug:(\w+)>", route), "no-such")
    uuids = dict.fromkeys(
        re.findall(r"<uuid:(\w+)>", route), "0b0b0b0b-0000-4000-8000-000000000000"
    )
    return reverse(name, kwargs={**slugs, **ids, **uuids, "org_slug": org.slug})


def test_every_organization_page_is_classified():
    found = organization_routes()
    assert len(found) >= 20  # the walk finds the pages
    assert sorted(set(found) - set(ROUTES)) == [], "classify these pages in ROUTES"
    assert sorted(set(ROUTES) - set(found)) == [], "these pages are gone: drop them"


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_a_page_needs_the_capability_it_is_classified_with(name):
    capability, _ = ROUTES[name]
    view = organization_routes()[name][1].callback
    assert getattr(view, "required_capability", None) == capability


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_each_page_answers_its_methods_only_and_refuses_the_least_role(world, name):
    capability, methods = ROUTES[name]
    url = url_of(name, world.own)

    admin = Client()
    admin.force_login(world.member("own", Role.ADMIN).user)
    for method in {"GET", "POST"} - set(methods):
        assert getattr(admin, method.lower())(url).status_code == 405, method

    viewer = Client()
    viewer.force_login(world.member("own", Role.VIEWER).user)
    for method in methods:
        response = getattr(viewer, method.lower())(url)
        if capability is not None and not role_can(Role.VIEWER, capability):
            assert response.status_code == 403, method
            assert "Your role does not allow this" in response.text
        else:
            assert response.status_code in (200, 302, 404), method

    # Another organization's member gets the same 404 as a slug that does not exist.
    stranger = Client()
    stranger.force_login(world.member("stranger", Role.ADMIN).user)
    assert stranger.get(url).status_code == 404
