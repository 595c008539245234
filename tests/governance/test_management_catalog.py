"""The management-system catalog is data (governance/catalogs/management-system.yaml): one item
per requirement of ISO 44001 clauses 4-7, 8.1, 9 and 10, with a stable id, our own words, what
an auditor expects and the kinds of record that can show it; loaded after migrate, versioned,
and refused whole when a file is wrong."""

from __future__ import annotations

import shutil

import pytest
import yaml
from django.core.exceptions import ImproperlyConfigured

from governance.management_catalog import (
    CATALOG_DIR,
    CLAUSES,
    SOURCES,
    competence_catalogs_load,
    current_catalog,
    system_catalogs_load,
)
from governance.models import CompetenceTheme, SystemCatalog, SystemItem

pytestmark = pytest.mark.django_db

FILE = CATALOG_DIR / "management-system.yaml"


def test_migrate_loaded_one_item_per_required_clause():
    catalog = current_catalog()
    items = list(catalog.items.all())
    assert [item.item_id for item in items] == [f"iso44001:{clause}" for clause in CLAUSES]
    for item in items:
        assert len(item.title) > 10, item.item_id
        assert len(item.guidance) > 80, item.item_id  # guidance says what good looks like
        assert "Good:" in item.guidance, item.item_id
        assert item.evidence, item.item_id
        assert item.sources, item.item_id
        assert set(item.sources) <= SOURCES, item.item_id


def test_every_source_kind_is_used_by_some_item():
    used = {source for item in SystemItem.objects.all() for source in item.sources}
    assert used == SOURCES


def test_loading_again_adds_nothing_and_a_new_version_is_added_beside(tmp_path):
    assert system_catalogs_load() == []
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["version"] = "2099.1"
    data["items"][0]["title"] = "Know the organization's context, revised"
    (tmp_path / "management-system.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    (added,) = system_catalogs_load(tmp_path)
    assert current_catalog() == added
    assert SystemCatalog.objects.filter(key="management-system").count() == 2
    assert added.items.get(item_id="iso44001:4.1").title.endswith("revised")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["items"].pop(), "clauses missing"),
        (lambda d: d["items"].append(dict(d["items"][0])), "appears twice"),
        (lambda d: d["items"][0].update(section="nowhere"), "no section"),
        (lambda d: d["items"][0].update(sources=["hearsay"]), "unknown sources"),
        (lambda d: d["items"][0].update(id="iso9001:4.1"), "not an iso44001"),
        (lambda d: d["items"][0].pop("evidence"), "lacks evidence"),
    ],
)
def test_a_wrong_file_is_refused_whole(tmp_path, change, message):
    data = yaml.safe_load(FILE.read_text(encoding="utf-8"))
    data["version"] = "broken"
    change(data)
    (tmp_path / "management-system.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=message):
        system_catalogs_load(tmp_path)
    assert not SystemCatalog.objects.filter(version="broken").exists()


def test_the_shipped_file_is_valid_on_its_own(tmp_path):
    shutil.copy(FILE, tmp_path / FILE.name)
    SystemCatalog.objects.filter(key="management-system").delete()
    (loaded,) = system_catalogs_load(tmp_path)
    assert loaded.items.count() == len(CLAUSES) == 30


# --- the collaborative competence themes (7.2, 7.5.4) --------------------------------------

THEMES = CATALOG_DIR / "competence-themes.yaml"


def test_migrate_loaded_the_competence_themes_in_our_words():
    catalog = current_catalog("competence-themes")
    themes = list(catalog.competence_themes.all())
    keys = [theme.key for theme in themes]
    assert len(keys) >= 12
    for key in (
        "communication",
        "negotiation",
        "conflict_resolution",
        "trust_building",
        "risk_awareness",
        "systems_thinking",
    ):
        assert key in keys, key
    for theme in themes:
        assert len(theme.description) > 40, theme.key
        assert len(theme.good) > 30, theme.key
    # The management-system catalog is not confused with it.
    assert current_catalog().key == "management-system"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["themes"].append(dict(d["themes"][0])), "a key of its own"),
        (lambda d: d["themes"][0].pop("good"), "lacks good"),
        (lambda d: d.pop("themes"), "'themes' is missing"),
    ],
)
def test_a_wrong_competence_file_is_refused_whole(tmp_path, change, message):
    data = yaml.safe_load(THEMES.read_text(encoding="utf-8"))
    data["version"] = "broken"
    change(data)
    (tmp_path / THEMES.name).write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=message):
        competence_catalogs_load(tmp_path)
    assert not SystemCatalog.objects.filter(version="broken").exists()


def test_a_new_competence_version_is_added_beside_the_old(tmp_path):
    assert competence_catalogs_load() == []
    data = yaml.safe_load(THEMES.read_text(encoding="utf-8"))
    data["version"] = "2099.1"
    (tmp_path / THEMES.name).write_text(yaml.safe_dump(data), encoding="utf-8")
    (added,) = competence_catalogs_load(tmp_path)
    assert current_catalog("competence-themes") == added
    assert CompetenceTheme.objects.filter(catalog__key="competence-themes").count() == 2 * len(
        data["themes"]
    )
