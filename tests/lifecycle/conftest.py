"""Fixtures of the lifecycle tests: each side of ``world.relationship`` with its people."""

from __future__ import annotations

import pytest

from tests.lifecycle.helpers import side_of


@pytest.fixture
def lead(world):
    """The lead's relationship manager and its SER (named SER of its party)."""
    return side_of(world.own, world.relationship)


@pytest.fixture
def partner(world):
    return side_of(world.partner, world.relationship)
