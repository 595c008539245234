"""The browser UI of relationships, through Django's test client: what a person sees and may do."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template import loader
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cbrms.tenancy.context import acting_as
from relationships.models import Relationship, Role
from relationships.services.relationships import relationship_archive
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    make_relationship,
)

pytestmark = pytest.mark.django_db


def client_for(membership) -> Client:
    client = Client()
    client.force_login(membership.user)
    return client


def list_url(org) -> str:
    return reverse("relationship-list", kwargs={"org_slug": org.slug})


def detail_url(org, relationship) -> str:
    return reverse("relationship-detail", kwargs={"org_slug": org.slug, "pk": relationship.pk})


def create_url(org) -> str:
    return reverse("relationship-create", kwargs={"org_slug": org.slug})


def results(response) -> str:
    """The results region of the relationship list (not the filter form above it)."""
    text = response.text
    start = text.index('id="results-summary"')
    return text[start : text.index('<footer class="site-footer">', start)]


# --- logging in and out ----------------------------------------------------------------------


def test_login_with_email_lands_on_the_relationship_list_of_the_first_organization(world):
    membership = world.member("own", Role.VIEWER)
    client = Client()

    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert '<label for="id_username">Email' in page.text

    response = client.post(
        reverse("login"),
        {"username": membership.user.email.upper(), "password": PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == list_url(world.own)
    assert "Shared relationship" in response.text


def test_logging_in_again_lands_on_the_organization_used_last(world, two_hats):
    user = world.member("own", Role.RELATIONSHIP_MANAGER).user  # two_hats: also at the partner
    client = two_hats
    assert client.get(list_url(world.partner)).status_code == 200  # acts for the partner
    client.post(reverse("logout"))
    response = client.post(
        reverse("login"), {"username": user.email, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == list_url(world.partner)
    # A forged cookie counts for nothing: the first organization by name, as without one.
    assert client.get(list_url(world.own)).status_code == 200
    client.cookies["cbrms_org"] = "own-org"  # unsigned
    first = min((world.own, world.partner, world.stranger), key=lambda org: org.name)
    assert client.get("/", follow=True).redirect_chain[-1][0] == list_url(first)


def test_a_wrong_password_is_refused_with_a_readable_error(world):
    membership = world.member("own", Role.VIEWER)
    response = Client().post(
        reverse("login"), {"username": membership.user.email, "password": "not-the-password"}
    )
    assert response.status_code == 200
    assert "Please enter a correct email address and password" in response.text
    assert membership.user.email in response.text  # the email typed is kept


def test_anonymous_visitors_are_sent_to_the_login_page(world):
    client = Client()
    assert client.get("/").url == reverse("login")
    response = client.get(list_url(world.own))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


def test_logout_is_a_post_and_ends_the_session(world):
    client = client_for(world.member("own", Role.VIEWER))
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "You have logged out." in response.text
    assert client.get(list_url(world.own)).status_code == 302


def test_a_user_without_organization_is_told_so(db):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert "You are not a member of any organization yet" in response.text


# --- the relationship list -------------------------------------------------------------------


def test_the_list_shows_only_the_relationships_the_organization_takes_part_in(world):
    response = client_for(world.member("own", Role.VIEWER)).get(list_url(world.own))
    assert response.status_code == 200
    rows = results(response)
    assert "Shared relationship" in rows
    assert "Stranger" not in response.text
    # The row names the stage by number and name, the type, the lead and the partners.
    assert "Stage 1:</span> Operational awareness" in rows
    assert "Partnership" in rows
    assert "Northwind Test" in rows
    assert "Contoso Test" in rows
    assert "1 relationship" in rows


def test_the_partner_sees_the_shared_relationship_and_the_stranger_only_its_own(world):
    partner = client_for(world.member("partner", Role.VIEWER)).get(list_url(world.partner))
    assert "Shared relationship" in partner.text
    stranger = client_for(world.member("stranger", Role.VIEWER)).get(list_url(world.stranger))
    assert "Shared relationship" not in stranger.text
    assert "Stranger&#x27;s relationship" in stranger.text


def test_a_non_member_gets_404_for_another_organizations_pages(world):
    client = client_for(world.member("stranger", Role.ADMIN))
    response = client.get(list_url(world.own))
    assert response.status_code == 404
    assert "This page does not exist" in response.text


def test_search_and_filters_narrow_the_list(world):
    make_relationship(lead=world.own, name="Rail maintenance alliance", type="alliance")
    archived = make_relationship(lead=world.own, name="Old supply deal", type="supplier")
    relationship_archive(relationship=archived, organization=world.own)
    client = client_for(world.member("own", Role.VIEWER))
    url = list_url(world.own)

    searched = client.get(url, {"q": "RAIL"})
    assert "Rail maintenance alliance" in searched.text
    assert "Shared relationship" not in searched.text

    by_type = client.get(url, {"type": "partnership"})
    assert "Shared relationship" in by_type.text
    assert "Rail maintenance alliance" not in by_type.text

    assert "Shared relationship" not in client.get(url, {"stage": "2"}).text
    assert "Shared relationship" in client.get(url, {"stage": "1", "status": "active"}).text

    assert "Old supply deal" not in client.get(url).text
    with_archived = client.get(url, {"archived": "on"})
    assert "Old supply deal" in with_archived.text
    assert "Archived" in with_archived.text


def test_an_invalid_filter_is_reported_and_ignored(world):
    response = client_for(world.member("own", Role.VIEWER)).get(
        list_url(world.own), {"type": "bogus", "q": "Shared"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert "Shared relationship" in response.text


def test_htmx_gets_only_the_results_and_the_page_varies_on_it(world, two_hats):
    client = two_hats
    htmx = {"HX-Request": "true", "HX-Target": "relationship-results"}
    response = client.get(list_url(world.own), {"q": "Shared"}, headers=htmx)
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'id="relationship-results"' in response.text
    assert "Shared relationship" in response.text
    assert '<p id="results-summary" hx-swap-oob="innerHTML">1 relationship match' in response.text
    assert "HX-Request" in response["Vary"]
    # The switcher follows the pushed URL, so switching keeps the search.
    assert 'id="org-switcher" class="org-switcher-slot" hx-swap-oob="true"' in response.text
    assert "?next=/o/own-org/relationships/%3Fq%3DShared" in response.text
    restore = client.get(
        list_url(world.own), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.text


def test_the_list_paginates(world):
    for n in range(30):
        make_relationship(lead=world.own, name=f"Bulk relationship {n:02d}")
    client = client_for(world.member("own", Role.VIEWER))
    first = client.get(list_url(world.own), {"q": "Bulk"})
    assert "30 relationships match the filters" in first.text
    assert "Page 1 of 2" in first.text
    assert "q=Bulk&amp;page=2" in first.text
    second = client.get(list_url(world.own), {"q": "Bulk", "page": "2"})
    assert "Bulk relationship 29" in second.text
    assert "Bulk relationship 00" not in second.text


def test_list_query_count_does_not_grow_with_rows(world):
    client = client_for(world.member("own", Role.VIEWER))
    extra_partner = OrganizationFactory(name="Initech Test")

    def queries() -> int:
        client.get(list_url(world.own))  # warm the session and the connection
        with CaptureQueriesContext(connection) as captured:
            response = client.get(list_url(world.own))
        assert response.status_code == 200
        return len(captured)

    few = queries()
    for n in range(10):
        make_relationship(
            lead=world.own, partners=(world.partner, extra_partner), name=f"Grown {n}"
        )
    assert "Grown 9" in client.get(list_url(world.own)).text
    assert queries() == few


def test_a_row_names_the_first_partners_and_counts_the_rest(world):
    partners = tuple(OrganizationFactory(name=f"Partner {n} Test") for n in range(5))
    make_relationship(lead=world.own, partners=partners, name="Crowded consortium")
    response = client_for(world.member("own", Role.VIEWER)).get(
        list_url(world.own), {"q": "Crowded"}
    )
    rows = results(response)
    assert "Partner 0 Test, Partner 1 Test, Partner 2 Test" in rows
    assert "Partner 3 Test" not in rows
    assert "and 2 more" in rows


def test_ecosystem_members_do_not_see_each_other_in_the_list(db):
    hub = OrganizationFactory(name="Hub Test")
    first = OrganizationFactory(name="First Member Test")
    second = OrganizationFactory(name="Second Member Test")
    make_relationship(lead=hub, partners=(first, second), type="ecosystem", name="Open ecosystem")
    member = MembershipFactory(organization=first, role=Role.VIEWER)
    response = client_for(member).get(list_url(first))
    assert "Open ecosystem" in response.text
    assert "Hub Test" in response.text
    assert "Second Member Test" not in response.text


# --- the relationship detail -----------------------------------------------------------------


def test_the_detail_shows_the_stage_timeline_and_the_parties(world):
    Relationship.objects.unscoped().filter(pk=world.relationship.pk).update(current_stage=5)
    client = client_for(world.member("own", Role.VIEWER))
    response = client.get(detail_url(world.own, world.relationship))
    assert response.status_code == 200
    text = response.text
    assert "Lifecycle: stage 5 of 8, Working together" in text
    for name in ("Operational awareness", "Partner selection", "Exit strategy activation"):
        assert name in text
    assert text.count("timeline__stage--done") == 4
    assert text.count('aria-current="step"') == 1
    assert text.count("timeline__stage--upcoming") == 3
    assert "Northwind Test" in text
    assert "Contoso Test" in text
    assert "ISO 44001 (full)" in text


def test_the_detail_of_a_strangers_relationship_is_a_404_page(world):
    client = client_for(world.member("own", Role.ADMIN))
    response = client.get(detail_url(world.own, world.stranger_relationship))
    assert response.status_code == 404
    assert "This page does not exist" in response.text
    assert "Stranger" not in response.text


def test_user_content_is_escaped(world):
    nasty = make_relationship(
        lead=world.own, name="<script>alert(1)</script>", description="<b>bold</b>"
    )
    client = client_for(world.member("own", Role.VIEWER))
    for url in (list_url(world.own), detail_url(world.own, nasty)):
        text = client.get(url).text
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "&lt;b&gt;bold&lt;/b&gt;" in client.get(detail_url(world.own, nasty)).text


# --- the organization switcher ---------------------------------------------------------------


@pytest.fixture
def two_hats(world):
    """A person who is a member of both the lead and the partner of the shared relationship."""
    membership = world.member("own", Role.RELATIONSHIP_MANAGER)
    MembershipFactory(user=membership.user, organization=world.partner, role=Role.VIEWER)
    MembershipFactory(user=membership.user, organization=world.stranger, role=Role.VIEWER)
    return client_for(membership)


def switch_url(org, next_url) -> str:
    return reverse("organization-switch", kwargs={"org_slug": org.slug}) + f"?next={next_url}"


def test_the_switcher_lists_the_users_memberships(world, two_hats):
    text = two_hats.get(list_url(world.own)).text
    for org in (world.own, world.partner, world.stranger):
        assert org.name in text
        assert reverse("organization-switch", kwargs={"org_slug": org.slug}) in text
    assert "Relationship manager" in text
    assert "Other Test" not in text  # not a membership of this user


def test_switching_keeps_the_equivalent_page(world, two_hats):
    shared = detail_url(world.own, world.relationship)
    to_partner = two_hats.get(switch_url(world.partner, shared))
    assert to_partner.url == detail_url(world.partner, world.relationship)

    # The stranger does not see the shared relationship: it lands on its own list instead.
    to_stranger = two_hats.get(switch_url(world.stranger, shared))
    assert to_stranger.url == list_url(world.stranger)

    filtered = two_hats.get(switch_url(world.partner, list_url(world.own) + "%3Fq%3DShared"))
    assert filtered.url == list_url(world.partner) + "?q=Shared"

    # A viewer of the partner cannot start relationships: the create page switches to the list.
    assert two_hats.get(switch_url(world.partner, create_url(world.own))).url == list_url(
        world.partner
    )


def test_switching_refuses_foreign_targets(world, two_hats):
    assert two_hats.get(switch_url(world.own, "https://evil.example/")).url == list_url(world.own)
    assert two_hats.get(switch_url(world.own, "//evil.example/")).url == list_url(world.own)
    other = OrganizationFactory(name="Not mine", slug="not-mine")
    assert two_hats.get(switch_url(other, list_url(world.own))).status_code == 404


# --- starting a relationship -----------------------------------------------------------------


def test_a_viewer_cannot_start_a_relationship(world):
    client = client_for(world.member("own", Role.VIEWER))
    assert "Start a relationship" not in client.get(list_url(world.own)).text
    assert client.get(create_url(world.own)).status_code == 403
    response = client.post(create_url(world.own), {"name": "Sneaky", "type": "partnership"})
    assert response.status_code == 403
    assert "Your role does not allow this" in response.text
    assert not Relationship.objects.unscoped().filter(name="Sneaky").exists()


def test_a_manager_starts_a_relationship(world):
    executive = world.member("own", Role.EXECUTIVE)
    client = client_for(world.member("own", Role.RELATIONSHIP_MANAGER))
    assert "Start a relationship" in client.get(list_url(world.own)).text
    form = client.get(create_url(world.own))
    assert form.status_code == 200
    assert str(executive.user) in form.text
    assert "csrfmiddlewaretoken" in form.text

    response = client.post(
        create_url(world.own),
        {
            "name": "Harbour logistics",
            "type": "joint_venture",
            "description": "Shared warehousing",
            "ser": executive.pk,
        },
        follow=True,
    )
    created = Relationship.objects.unscoped().get(name="Harbour logistics")
    assert response.redirect_chain[-1][0] == detail_url(world.own, created)
    assert "Relationship “Harbour logistics” started at stage 1." in response.text
    assert created.lead_organization == world.own
    assert created.current_stage == 1
    with acting_as(world.own):
        lead = created.parties.get()
    assert lead.ser == executive


def test_a_refused_create_explains_why_and_keeps_the_input(world):
    client = client_for(world.member("own", Role.ADMIN))
    response = client.post(
        create_url(world.own),
        {
            "name": "Mismatched profile",
            "type": "partnership",
            "framework_profile": "iso44007-ecosystem",
            "description": "Kept text",
        },
    )
    assert response.status_code == 200
    text = response.text
    assert "An ecosystem runs on the ISO/TS 44007 ecosystem profile" in text
    assert "Does not match the relationship type." in text
    assert 'value="Mismatched profile"' in text
    assert "Kept text" in text
    assert not Relationship.objects.unscoped().filter(name="Mismatched profile").exists()


def test_a_create_with_missing_fields_marks_them(world):
    client = client_for(world.member("own", Role.ADMIN))
    response = client.post(create_url(world.own), {"name": "", "type": "partnership"})
    assert response.status_code == 200
    assert "This field is required." in response.text
    assert 'aria-invalid="true"' in response.text


def test_another_organizations_executive_cannot_be_named_ser(world):
    foreign = world.member("partner", Role.EXECUTIVE)
    client = client_for(world.member("own", Role.ADMIN))
    response = client.post(
        create_url(world.own), {"name": "Borrowed SER", "type": "partnership", "ser": foreign.pk}
    )
    assert "Select a valid choice" in response.text
    assert not Relationship.objects.unscoped().filter(name="Borrowed SER").exists()


# --- error pages -----------------------------------------------------------------------------


def test_the_500_page_renders_without_context_or_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        html = loader.get_template("errors/500.html").render()
    assert "Something went wrong on our side" in html


def test_a_form_without_its_csrf_token_gets_a_readable_403(world):
    membership = world.member("own", Role.ADMIN)
    client = Client(enforce_csrf_checks=True)
    client.force_login(membership.user)
    response = client.post(create_url(world.own), {"name": "No token", "type": "partnership"})
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert not Relationship.objects.unscoped().filter(name="No token").exists()
