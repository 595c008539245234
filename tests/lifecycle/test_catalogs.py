"""Framework catalogs: the shipped YAML files, their loader, its idempotence and the diff."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lifecycle.apps import _load_catalogs_after_migrate
from lifecycle.models import Catalog, CatalogItem, Requirement
from lifecycle.services import catalogs as catalogs_module
from lifecycle.services.catalogs import (
    CatalogError,
    LoadOutcome,
    catalog_diff,
    catalog_latest,
    catalogs_load,
)
from relationships.models import FrameworkProfile, Visibility
from tests.factories import OrganizationFactory, make_relationship

pytestmark = pytest.mark.django_db

# ISO 44001 clause 8.(stage + 1).n: the subclause numbers of each stage.
FULL_SUBCLAUSES = {
    1: range(2, 10),
    2: range(2, 9),
    3: range(2, 8),
    4: range(2, 10),
    5: range(2, 12),
    6: range(2, 6),
    7: range(2, 11),
    8: range(2, 7),
}
JOINT_IN_STAGE_4 = {"iso44001:8.5.6", "iso44001:8.5.7", "iso44001:8.5.9"}
WRITES = ("INSERT", "UPDATE", "DELETE")


def items_of(profile: str) -> list[CatalogItem]:
    return list(catalog_latest(profile).items.order_by("position"))


def write_catalog(directory: Path, name: str, *, version: str = "2099.1", items=None, **top):
    """Write a small valid iso44001 catalog (two items per stage) with the given changes."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "profile": "iso44001",
        "version": version,
        "title": "Test catalog",
        "items": base_items() if items is None else items,
        **top,
    }
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))
    return path


def item(key: str, stage: int, **changes) -> dict:
    return {
        "id": f"iso44001:{key}",
        "stage": stage,
        "scope": "internal" if stage <= 4 else "joint",
        "title": f"Do {key}",
        "guidance": f"How to do {key} well.",
        "mandatory": True,
        "evidence": f"Record of {key}",
        **changes,
    }


def base_items() -> list[dict]:
    """t.1 ... t.8, one per stage, then x.1 ... x.8: dropping a t-item leaves no stage empty."""
    return [item(f"{kind}.{stage}", stage) for kind in "tx" for stage in range(1, 9)]


# --- The shipped catalogs ------------------------------------------------------------------------


def test_migrate_loaded_every_profile_and_a_reload_finds_them_unchanged():
    assert {catalog.profile for catalog in Catalog.objects.all()} == set(FrameworkProfile.values)
    results = catalogs_load()
    assert [result.outcome for result in results] == [LoadOutcome.UNCHANGED] * 3


def test_the_three_catalogs_load_into_an_empty_database():
    Catalog.objects.all().delete()

    results = catalogs_load()

    assert sorted(result.catalog.profile for result in results) == sorted(FrameworkProfile.values)
    assert all(result.outcome is LoadOutcome.CREATED for result in results)
    for result in results:
        assert result.catalog.items.count() == len(result.added) > 0
        assert len(result.catalog.source_hash) == 64


def test_full_profile_holds_exactly_every_subclause_of_the_eight_stages():
    items = items_of(FrameworkProfile.ISO44001)

    expected = {
        f"iso44001:8.{stage + 1}.{n}": stage
        for stage, numbers in FULL_SUBCLAUSES.items()
        for n in numbers
    }
    assert len(expected) == 57
    assert {i.key: i.stage for i in items} == expected
    assert all(i.mandatory for i in items)


def test_full_profile_scopes_follow_the_stages():
    for i in items_of(FrameworkProfile.ISO44001):
        if i.stage <= 3:
            assert i.scope == "internal", i.key
        elif i.stage == 4:
            assert i.scope == ("joint" if i.key in JOINT_IN_STAGE_4 else "internal"), i.key
        else:
            assert i.scope == "joint", i.key


def test_sme_profile_is_lighter_than_the_full_one():
    full = items_of(FrameworkProfile.ISO44001)
    sme = items_of(FrameworkProfile.SME)

    assert 20 <= len(sme) <= 28
    assert sum(i.mandatory for i in sme) < sum(i.mandatory for i in full)
    assert any(not i.mandatory for i in sme)
    assert {i.key for i in sme if i.stage == 5} >= {
        "iso44003:8.6.rmp-roles",
        "iso44003:8.6.rmp-resources",
        "iso44003:8.6.rmp-objectives",
        "iso44003:8.6.rmp-risks",
    }


def test_ecosystem_profile_onboards_offboards_and_reviews_maturity():
    items = {i.key: i for i in items_of(FrameworkProfile.ECOSYSTEM)}

    assert (items["iso44007:onboarding"].stage, items["iso44007:onboarding"].scope) == (5, "joint")
    assert (items["iso44007:offboarding"].stage, items["iso44007:offboarding"].scope) == (
        7,
        "joint",
    )
    assert items["iso44007:maturity"].stage == 7
    assert items["iso44007:exit-offboarding"].stage == 8
    assert {items[k].scope for k in ("iso44007:purpose", "iso44007:light-rules")} == {"internal"}


@pytest.mark.parametrize("profile", FrameworkProfile.values)
def test_every_stage_has_a_mandatory_item_and_every_item_reads_fully(profile):
    items = items_of(profile)

    assert set(Counter(i.stage for i in items if i.mandatory)) == set(range(1, 9))
    for i in items:
        assert all(text.strip() for text in (i.title, i.guidance, i.evidence)), i.key
        assert i.key.startswith(profile.split("-")[0] + ":"), i.key


# --- Idempotence and in-place updates ------------------------------------------------------------


def test_loading_unchanged_files_writes_nothing():
    catalogs_load()

    with CaptureQueriesContext(connection) as queries:
        results = catalogs_load()

    assert {result.outcome for result in results} == {LoadOutcome.UNCHANGED}
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
    assert writes == []


def test_a_changed_file_updates_its_version_in_place(tmp_path):
    path = write_catalog(tmp_path, "v1.yaml")
    (first,) = catalogs_load(directory=tmp_path)
    items = base_items()
    items[0]["title"] = "Appoint the SER"
    items[2]["mandatory"] = False
    del items[1]
    items.insert(1, item("t.1b", 1))
    write_catalog(tmp_path, path.name, items=items, title="Test catalog, revised")

    (result,) = catalogs_load(directory=tmp_path)

    assert result.outcome is LoadOutcome.UPDATED
    assert result.catalog.pk == first.catalog.pk
    assert result.added == ("iso44001:t.1b",)
    assert result.removed == ("iso44001:t.2",)
    assert set(result.changed) >= {"iso44001:t.1", "iso44001:t.3"}
    catalog = Catalog.objects.get(pk=first.catalog.pk)
    assert catalog.title == "Test catalog, revised"
    assert [(i.key, i.position) for i in catalog.items.order_by("position")][:3] == [
        ("iso44001:t.1", 1),
        ("iso44001:t.1b", 2),
        ("iso44001:t.3", 3),
    ]
    assert catalog.items.get(key="iso44001:t.1").title == "Appoint the SER"
    assert catalog.items.get(key="iso44001:t.3").mandatory is False


def requirement_on(item_row: CatalogItem) -> Requirement:
    lead = OrganizationFactory()
    relationship = make_relationship(lead=lead, partners=(OrganizationFactory(),))
    # Starting the relationship may already have laid out this item (newest catalog version).
    requirement, _ = Requirement.objects.unscoped().get_or_create(
        relationship=relationship,
        organization=lead,
        item=item_row,
        defaults={"visibility": Visibility.INTERNAL, "stage": item_row.stage},
    )
    return requirement


def test_an_item_in_use_cannot_be_removed_nor_moved(tmp_path):
    path = write_catalog(tmp_path, "v1.yaml")
    (loaded,) = catalogs_load(directory=tmp_path)
    requirement_on(loaded.catalog.items.get(key="iso44001:t.2"))

    items = [*base_items(), item("t.2b", 2)]
    del items[1]  # t.2
    write_catalog(tmp_path, path.name, items=items)
    with pytest.raises(CatalogError, match=r"an item in use cannot be removed") as removed:
        catalogs_load(directory=tmp_path)
    assert removed.value.code == "catalog_item_in_use"
    assert "v1.yaml" in removed.value.message
    assert "iso44001:t.2" in removed.value.message

    items = base_items()
    items[1]["stage"] = 3
    write_catalog(tmp_path, path.name, items=items)
    with pytest.raises(CatalogError, match=r"stage or scope of an item in use") as moved:
        catalogs_load(directory=tmp_path)
    assert moved.value.code == "catalog_item_in_use"

    assert loaded.catalog.items.get(key="iso44001:t.2").stage == 2
    assert not loaded.catalog.items.filter(key="iso44001:t.2b").exists()


# --- Validation ----------------------------------------------------------------------------------


def _without(key: str) -> list[dict]:
    items = base_items()
    del items[3][key]
    return items


def _with(index: int, **changes) -> list[dict]:
    items = base_items()
    items[index].update(changes)
    return items


@pytest.mark.parametrize(
    ("top", "expected"),
    [
        pytest.param(
            {"items": _without("evidence")},
            r"item 4 \('iso44001:t\.4'\): missing 'evidence'",
            id="missing-key",
        ),
        pytest.param(
            {"items": _with(3, stage=9)},
            r"item 4 .*stage must be an integer from 1 to 8",
            id="stage-9",
        ),
        pytest.param(
            {"items": _with(3, scope="shared")}, r"item 4 .*scope must be one of", id="scope"
        ),
        pytest.param(
            {"items": _with(1, scope="joint")},
            r"item 2 .*stage-2 item must be 'internal'",
            id="joint-internal-stage",
        ),
        pytest.param(
            {"items": _with(6, scope="internal")},
            r"item 7 .*must be 'joint'",
            id="internal-joint-stage",
        ),
        pytest.param(
            {"items": _with(3, id="iso44001:t.1")},
            r"item 4 .*already used by item 1",
            id="duplicate-id",
        ),
        pytest.param(
            {"items": _with(3, id="iso44003:t.4")}, r"must start with 'iso44001:'", id="prefix"
        ),
        pytest.param(
            {"items": _with(3, mandatory="yes")}, r"mandatory must be true or false", id="mandatory"
        ),
        pytest.param(
            {"items": _with(3, guidance="  ")},
            r"guidance must be a non-empty string",
            id="empty-guidance",
        ),
        pytest.param({"items": _with(3, colour="red")}, r"unknown 'colour'", id="unknown-key"),
        pytest.param({"items": base_items()[:7]}, r"no items for stage\(s\) 8", id="stage-gap"),
        pytest.param({"profile": "iso9001"}, r"profile 'iso9001' is not one of", id="profile"),
        pytest.param({"version": 2099.1}, r"version must be a quoted string", id="float-version"),
    ],
)
def test_a_malformed_catalog_is_refused_naming_file_and_item(tmp_path, top, expected):
    write_catalog(tmp_path, "a-good.yaml", version="2099.7")
    write_catalog(tmp_path, "broken.yaml", **top)
    before = Catalog.objects.count()

    with pytest.raises(CatalogError, match=expected) as error:
        catalogs_load(directory=tmp_path)

    assert str(tmp_path / "broken.yaml") in error.value.message
    assert Catalog.objects.count() == before  # the good file was not loaded either


def test_invalid_yaml_and_duplicate_versions_are_refused(tmp_path):
    (tmp_path / "bad.yaml").write_text("profile: iso44001\nitems: [unclosed\n")
    with pytest.raises(CatalogError, match=r"bad\.yaml: not valid YAML"):
        catalogs_load(directory=tmp_path)

    (tmp_path / "bad.yaml").unlink()
    write_catalog(tmp_path, "one.yaml")
    write_catalog(tmp_path, "two.yaml")
    with pytest.raises(CatalogError, match=r"two\.yaml: iso44001 version 2099\.1 is already"):
        catalogs_load(directory=tmp_path)


def test_the_command_reports_and_turns_errors_into_command_errors(tmp_path):
    out = io.StringIO()
    call_command("load_catalogs", stdout=out)
    assert out.getvalue().count(": unchanged") == 3

    write_catalog(tmp_path, "broken.yaml", items=_with(0, stage=0))
    with pytest.raises(CommandError, match=r"broken\.yaml, item 1"):
        call_command("load_catalogs", directory=tmp_path, stdout=io.StringIO())


# --- After migrate -------------------------------------------------------------------------------


def test_post_migrate_skips_when_the_tables_are_missing_or_going_backwards(monkeypatch):
    def fail(**kwargs):
        raise AssertionError("catalogs_load must not run")

    monkeypatch.setattr(catalogs_module, "catalogs_load", fail)
    config = apps.get_app_config("lifecycle")
    migration = type("Migration", (), {"app_label": "lifecycle"})()
    _load_catalogs_after_migrate(config, plan=[(migration, True)])

    monkeypatch.setattr(connection.introspection, "table_names", lambda *args, **kwargs: [])
    _load_catalogs_after_migrate(config, plan=[])


# --- Latest version and diff ---------------------------------------------------------------------


def test_latest_catalog_sorts_versions_as_numbers(tmp_path):
    write_catalog(tmp_path, "v9.yaml", version="2099.9")
    write_catalog(tmp_path, "v10.yaml", version="2099.10")
    catalogs_load(directory=tmp_path)

    assert catalog_latest(FrameworkProfile.ISO44001).version == "2099.10"


def test_latest_catalog_of_an_unloaded_profile_says_so():
    Catalog.objects.filter(profile=FrameworkProfile.SME).delete()

    with pytest.raises(Catalog.DoesNotExist, match="load_catalogs"):
        catalog_latest(FrameworkProfile.SME)


def test_diff_reports_added_removed_and_changed_items(tmp_path):
    write_catalog(tmp_path / "v1", "catalog.yaml", version="2099.1")
    items = base_items()
    items[0].update(title="Appoint the SER", mandatory=False)
    items[4]["guidance"] = "Better guidance."
    items.insert(2, item("t.2b", 2))
    del items[6]  # t.6
    write_catalog(tmp_path / "v2", "catalog.yaml", version="2099.2", items=items)
    (old,) = catalogs_load(directory=tmp_path / "v1")
    (new,) = catalogs_load(directory=tmp_path / "v2")

    diff = catalog_diff(old=old.catalog, new=new.catalog)

    assert diff.added == ("iso44001:t.2b",)
    assert diff.removed == ("iso44001:t.6",)
    # Items after the insertion moved position; the diff does not call that a change.
    assert dict(diff.changed) == {
        "iso44001:t.1": ("title", "mandatory"),
        "iso44001:t.5": ("guidance",),
    }
    assert not diff.is_empty
    assert catalog_diff(old=new.catalog, new=new.catalog).is_empty
