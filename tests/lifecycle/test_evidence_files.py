"""Evidence files through the API: limits, type checks, private storage, downloads, versions."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.http import parse_header_parameters

from lifecycle.models import Evidence
from relationships.models import Visibility
from tests.lifecycle.builders import (
    PDF_HEAD,
    PNG_BYTES,
    add_evidence,
    remove_stored_files,
    requirements_of,
    world_side,
)

pytestmark = pytest.mark.django_db

PDF_BYTES = PDF_HEAD + b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    remove_stored_files()


@pytest.fixture
def sides(world):
    lead = world_side(world, "own", world.relationship)
    partner = world_side(world, "partner", world.relationship)
    return lead, partner


@pytest.fixture
def internal_requirement(world):
    return requirements_of(world.relationship, world.own, stage=1)[0]


@pytest.fixture
def joint_requirement(world):
    joint = requirements_of(world.relationship, world.own, stage=5, visibility=Visibility.JOINT)
    return joint[0]


def upload(side, relationship, requirement, name: str, content: bytes, **extra):
    body = {
        "requirement": requirement.pk,
        "kind": "file",
        "title": "Signed minutes",
        "file": SimpleUploadedFile(name, content),
        **extra,
    }
    return side.manager_api.post(side.url(relationship, "evidence/"), body, format="multipart")


def stored_path(evidence_id: int) -> Path:
    return Path(Evidence.objects.unscoped().get(pk=evidence_id).file.path)


def download(side, relationship, evidence_id: int):
    response = side.manager_api.get(side.url(relationship, f"evidence/{evidence_id}/download/"))
    content = b"".join(response.streaming_content) if response.status_code == 200 else None
    return response, content


# --- what is refused ---------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_with_a_field_error(
    sides, world, internal_requirement, settings
):
    settings.CBRMS_EVIDENCE_MAX_BYTES = 1024
    lead, _ = sides
    too_big = upload(lead, world.relationship, internal_requirement, "minutes.txt", b"x" * 1025)
    assert too_big.status_code == 400, too_big.content
    body = too_big.json()
    assert body["code"] == "validation_error"
    assert body["fields"]["file"]
    assert "1 KiB" in body["message"]  # the limit people are told is the configured one
    assert not Evidence.objects.unscoped().exists()

    at_limit = upload(lead, world.relationship, internal_requirement, "minutes.txt", b"x" * 1024)
    assert at_limit.status_code == 201, at_limit.content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
        ("page.html", b"<html><script>alert(document.cookie)</script></html>"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("no-extension", b"plain words"),
    ],
)
def test_a_disallowed_type_is_refused(sides, world, internal_requirement, name, content):
    lead, _ = sides
    response = upload(lead, world.relationship, internal_requirement, name, content)
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["file"]
    assert not Evidence.objects.unscoped().exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"<html><body>not a PDF</body></html>"),
        ("report.pdf", PNG_BYTES),
        ("chart.png", PDF_BYTES),
        ("notes.txt", b"\x00\x01\x02binary"),
    ],
)
def test_content_that_is_not_what_its_extension_says_is_refused(
    sides, world, internal_requirement, name, content
):
    lead, _ = sides
    response = upload(lead, world.relationship, internal_requirement, name, content)
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["file"]


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/minutes.pdf"])
def test_a_link_must_be_http_or_https(sides, world, internal_requirement, url):
    lead, _ = sides
    evidence_url = lead.url(world.relationship, "evidence/")
    body = {"requirement": internal_requirement.pk, "kind": "link", "title": "Minutes"}
    refused = lead.manager_api.post(evidence_url, {**body, "url": url}, format="json")
    assert refused.status_code == 400, refused.content
    assert refused.json()["fields"]["url"]

    link = {**body, "url": "https://intranet.example/minutes"}
    created = lead.manager_api.post(evidence_url, link, format="json")
    assert created.status_code == 201, created.content
    changed = lead.manager_api.patch(
        f"{evidence_url}{created.json()['id']}/", {"url": url}, format="json"
    )
    assert changed.status_code == 400, changed.content
    evidence = Evidence.objects.unscoped().get(pk=created.json()["id"])
    assert (evidence.url, evidence.version) == ("https://intranet.example/minutes", 1)


# --- what is accepted, stored and served -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Signed minutes.pdf", PDF_BYTES, "application/pdf"),
        ("org chart.PNG", PNG_BYTES, "image/png"),
        ("notes.txt", "Décision prise à l'unanimité.\n".encode(), "text/plain"),
    ],
)
def test_a_valid_file_is_stored_privately_under_a_random_name(
    sides, world, internal_requirement, name, content, content_type
):
    lead, _ = sides
    response = upload(lead, world.relationship, internal_requirement, name, content)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_hash"] == hashlib.sha256(content).hexdigest()
    assert body["size"] == len(content)
    assert body["content_type"] == content_type
    assert (body["filename"], body["version"], body["visibility"]) == (name, 1, "internal")
    assert body["download_url"].endswith(f"/evidence/{body['id']}/download/")

    path = stored_path(body["id"]).resolve()
    assert path.read_bytes() == content
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    public = [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]
    public += [Path(d) for t in settings.TEMPLATES for d in t["DIRS"]]
    public += [
        Path(settings.BASE_DIR) / app / sub
        for app in ("lifecycle", "relationships")
        for sub in ("static", "templates")
    ]
    assert not any(path.is_relative_to(p.resolve()) for p in public)
    assert Path(name).stem.lower() not in path.name.lower()

    again = upload(lead, world.relationship, internal_requirement, name, content)
    assert stored_path(again.json()["id"]).name != path.name


def test_a_download_is_an_attachment_with_the_original_name_and_the_same_bytes(
    sides, world, internal_requirement
):
    lead, _ = sides
    created = upload(lead, world.relationship, internal_requirement, "Q3 review.pdf", PDF_BYTES)
    response, content = download(lead, world.relationship, created.json()["id"])
    assert response.status_code == 200
    assert content == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition, params = parse_header_parameters(response["Content-Disposition"])
    assert (disposition, params["filename"]) == ("attachment", "Q3 review.pdf")


@pytest.mark.parametrize(
    ("name", "served_as"),
    [
        ('board "final".txt', 'board "final".txt'),
        ('evil.html"; filename="x.txt', 'evil.html"; filename="x.txt'),
        ("minutes\r\nSet-Cookie: session=stolen.txt", "minutesSet-Cookie: session=stolen.txt"),
        ("Überprüfung\n.txt", "Überprüfung.txt"),
    ],
)
def test_quotes_and_line_breaks_in_a_file_name_cannot_shape_the_response_headers(
    sides, world, internal_requirement, name, served_as
):
    """Browsers' multipart encoders drop line breaks, but a client can send anything: the
    stored name loses them, and the header quotes the rest."""
    lead, _ = sides
    evidence = add_evidence(
        internal_requirement, lead.manager, kind="file", filename=name, content=b"minutes\n"
    )
    response, content = download(lead, world.relationship, evidence.pk)
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert "\r" not in header
    assert "\n" not in header
    assert "session" not in response.cookies
    disposition, params = parse_header_parameters(header)
    assert disposition == "attachment"
    assert params["filename"] == served_as
    assert content == b"minutes\n"


def test_the_partner_downloads_joint_evidence_but_never_internal_evidence(
    sides, world, internal_requirement, joint_requirement
):
    lead, partner = sides
    internal = upload(lead, world.relationship, internal_requirement, "scores.txt", b"secret 9/10")
    joint = upload(lead, world.relationship, joint_requirement, "plan.txt", b"joint plan")
    assert (internal.status_code, joint.status_code) == (201, 201)
    assert joint.json()["visibility"] == "joint"

    response, content = download(partner, world.relationship, joint.json()["id"])
    assert (response.status_code, content) == (200, b"joint plan")
    response, content = download(partner, world.relationship, internal.json()["id"])
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    # Nor through its own organization's relationship list, nor through a stranger's.
    stranger = world_side(world, "stranger", world.stranger_relationship)
    url = f"relationships/{world.relationship.pk}/evidence/{joint.json()['id']}/download/"
    assert stranger.manager_api.get(f"/api/v1/orgs/{world.stranger.slug}/{url}").status_code == 404


# --- versions ----------------------------------------------------------------------------------


def test_a_new_file_raises_the_version_and_the_old_file_goes_after_the_commit(
    sides, world, internal_requirement, django_capture_on_commit_callbacks
):
    lead, _ = sides
    created = upload(lead, world.relationship, internal_requirement, "plan.txt", b"version one\n")
    evidence_id = created.json()["id"]
    old_path = stored_path(evidence_id)
    url = lead.url(world.relationship, f"evidence/{evidence_id}/")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        changed = lead.manager_api.patch(
            url, {"file": SimpleUploadedFile("plan v2.txt", b"version two\n")}, format="multipart"
        )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["version"] == 2
    assert body["content_hash"] == hashlib.sha256(b"version two\n").hexdigest()
    assert body["filename"] == "plan v2.txt"
    new_path = stored_path(evidence_id)
    assert new_path != old_path
    assert new_path.read_bytes() == b"version two\n"
    # Until the transaction commits, the old file stays: a rollback would still point at it.
    assert old_path.exists()
    for callback in callbacks:
        callback()
    assert not old_path.exists()
    assert new_path.exists()
    _, content = download(lead, world.relationship, evidence_id)
    assert content == b"version two\n"

    # The same content again is no new version.
    same = lead.manager_api.patch(
        url, {"file": SimpleUploadedFile("plan v2.txt", b"version two\n")}, format="multipart"
    )
    assert same.json()["version"] == 2


def test_a_changed_note_or_link_raises_the_version_a_new_title_does_not(
    sides, world, internal_requirement
):
    lead, _ = sides
    evidence_url = lead.url(world.relationship, "evidence/")
    note = lead.manager_api.post(
        evidence_url,
        {"requirement": internal_requirement.pk, "kind": "note", "title": "SER", "note": "Dana."},
        format="json",
    ).json()
    link = lead.manager_api.post(
        evidence_url,
        {
            "requirement": internal_requirement.pk,
            "kind": "link",
            "title": "Minutes",
            "url": "https://intranet.example/a",
        },
        format="json",
    ).json()

    renamed = lead.manager_api.patch(
        f"{evidence_url}{note['id']}/", {"title": "SER appointment"}, format="json"
    ).json()
    assert (renamed["version"], renamed["content_hash"]) == (1, note["content_hash"])

    rewritten = lead.manager_api.patch(
        f"{evidence_url}{note['id']}/", {"note": "Dana Reyes, from 3 March."}, format="json"
    ).json()
    assert rewritten["version"] == 2
    assert rewritten["content_hash"] != note["content_hash"]

    moved = lead.manager_api.patch(
        f"{evidence_url}{link['id']}/", {"url": "https://intranet.example/b"}, format="json"
    ).json()
    assert moved["version"] == 2
    assert moved["content_hash"] != link["content_hash"]
