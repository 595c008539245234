"""Every ``unscoped()`` in the apps says why, in one of the kinds docs/architecture.md allows.

The scoped manager is what keeps one organization's rows from another; ``unscoped()`` goes
around it. The contract ("Reading around the scope" in docs/architecture.md): views resolve
objects through the scope, and code reads around them only for a stated kind of reason, written
at the call as ``# unscoped(<kind>): <why>`` on the same line or on the comment line just above.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cbrms", "relationships", "lifecycle", "governance", "demo")
KINDS = {"tenancy", "auth", "lookup", "create", "lock", "by-id", "system"}
REASON = re.compile(r"#\s*unscoped\(([a-z-]+)\):\s*\S")


def unscoped_calls(source: str) -> list[int]:
    """Line numbers of ``.unscoped(`` in code (not in strings or comments)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    return [
        tokens[i].start[0]
        for i in range(1, len(tokens) - 1)
        if tokens[i].type == tokenize.NAME
        and tokens[i].string == "unscoped"
        and tokens[i - 1].string == "."
        and tokens[i + 1].string == "("
    ]


def reason_for(lines: list[str], number: int) -> str | None:
    """The kind stated for the call on line ``number`` (1-based), if any."""
    same = REASON.search(lines[number - 1])
    if same:
        return same.group(1)
    above = number - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        found = REASON.search(lines[above])
        if found:
            return found.group(1)
        above -= 1
    return None


def violations(root: Path) -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((root / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = path.read_text()
            lines = source.splitlines()
            for number in unscoped_calls(source):
                kind = reason_for(lines, number)
                where = f"{path.relative_to(root)}:{number}"
                if kind is None:
                    found.append(f"{where}: no `# unscoped(<kind>): <why>`")
                elif kind not in KINDS:
                    found.append(f"{where}: unknown kind {kind!r}")
    return found


def test_every_unscoped_call_says_why():
    assert violations(ROOT) == []


def test_the_check_finds_a_call_without_a_reason(tmp_path: Path):
    app = tmp_path / "lifecycle"
    app.mkdir()
    (app / "ok.py").write_text(
        "x = Model.objects.unscoped()  # unscoped(by-id): the gate's own rows\n"
        "# unscoped(lock): re-read under the lock\n"
        "y = Model.objects.unscoped().get(pk=1)\n"
        '"""A docstring may name .unscoped() freely."""\n'
    )
    (app / "bad.py").write_text(
        "z = Model.objects.unscoped()\n"
        "w = Model.objects.unscoped()  # unscoped(because): it was easier\n"
        "# unscoped(by-id): this reason is too far away\n"
        "\n"
        "v = Model.objects.unscoped()\n"
    )
    assert violations(tmp_path) == [
        "lifecycle/bad.py:1: no `# unscoped(<kind>): <why>`",
        "lifecycle/bad.py:2: unknown kind 'because'",
        "lifecycle/bad.py:5: no `# unscoped(<kind>): <why>`",
    ]
