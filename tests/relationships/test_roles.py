"""docs/permissions.md shows people the capability table: it must be the code's table."""

from __future__ import annotations

from pathlib import Path

from relationships.models import Role
from relationships.roles import ROLE_CAPABILITIES, Capability, role_can

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"
TICK = "✓"


def documented_table() -> tuple[list[str], dict[str, dict[str, bool]]]:
    """The first markdown table whose header starts with ``capability`` and lists roles."""
    rows = [line.strip() for line in DOC.read_text().splitlines()]
    for index, line in enumerate(rows):
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if line.startswith("|") and cells[0] == "capability" and set(cells[1:]) <= set(Role.values):
            roles, table = cells[1:], {}
            for row in rows[index + 2 :]:
                if not row.startswith("|"):
                    break
                name, *marks = (cell.strip() for cell in row.strip("|").split("|"))
                assert len(marks) == len(roles), row
                assert set(marks) <= {TICK, ""}, row
                table[name.strip("`")] = dict(
                    zip(roles, [mark == TICK for mark in marks], strict=True)
                )
            return roles, table
    raise AssertionError("docs/permissions.md has no capability x role table")


def test_the_documented_table_is_the_code_table():
    roles, table = documented_table()
    assert sorted(roles) == sorted(Role.values), "one column per role"
    assert set(table) == {capability.value for capability in Capability}, "one row per capability"
    for capability in Capability:
        for role in Role.values:
            assert table[capability.value][role] == (role in ROLE_CAPABILITIES[capability]), (
                capability.value,
                role,
            )


def test_every_capability_is_in_the_table_and_unknown_roles_hold_nothing():
    assert set(ROLE_CAPABILITIES) == set(Capability)
    assert not any(role_can("owner", capability) for capability in Capability)
