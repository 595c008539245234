"""The maturity models are data (governance/catalogs/): the 12 principles and the ecosystem
matrix, each with five described levels and suggested actions, in a stable shape."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from governance.models.objectives import Principle

CATALOGS = Path(__file__).resolve().parents[2] / "governance" / "catalogs"


def load(name: str) -> dict:
    return yaml.safe_load((CATALOGS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("name", "model"),
    [("maturity-principles.yaml", "principles"), ("maturity-ecosystem.yaml", "ecosystem")],
)
def test_every_principle_has_five_described_levels_and_actions(name, model):
    catalog = load(name)
    assert catalog["model"] == model
    assert catalog["version"]
    assert sorted(catalog["levels"]) == [1, 2, 3, 4, 5]
    keys = [p["key"] for p in catalog["principles"]]
    assert len(keys) == len(set(keys)) == 12
    for principle in catalog["principles"]:
        assert principle["title"], principle["key"]
        assert principle["question"].endswith("?"), principle["key"]
        assert sorted(principle["levels"]) == [1, 2, 3, 4, 5], principle["key"]
        texts = list(principle["levels"].values())
        assert all(len(text) > 20 for text in texts), principle["key"]
        assert len(set(texts)) == 5, principle["key"]
        assert principle["actions"], principle["key"]


def test_the_relationship_model_is_the_twelve_principles_of_the_objectives():
    keys = [p["key"] for p in load("maturity-principles.yaml")["principles"]]
    assert keys == list(Principle.values)
    titles = [p["title"] for p in load("maturity-principles.yaml")["principles"]]
    assert titles == list(Principle.labels)
