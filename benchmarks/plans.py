"""EXPLAIN (ANALYZE) of the SQL a request ran, and what in a plan does not scale."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import connection

# A Seq Scan on a table with at least this many rows is a finding; so is any scan node that
# reads and throws away at least this many rows (an index walked in order, filtered row by row).
BIG_TABLE_ROWS = 10_000
DISCARDED_ROWS = 10_000


@dataclass
class Plan:
    """One query's plan, as run on the large world."""

    sql: str
    root: dict
    execution_ms: float
    findings: list[str] = field(default_factory=list)

    def lines(self) -> Iterator[str]:
        """The plan tree, one node a line."""
        for node, depth in _walk(self.root):
            yield "  " * depth + _describe(node)


def big_tables() -> set[str]:
    """Tables the planner believes hold at least ``BIG_TABLE_ROWS`` rows (after ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND reltuples >= %s",
            [BIG_TABLE_ROWS],
        )
        return {row[0] for row in cursor.fetchall()}


def reads_tables(sql: str, tables: set[str]) -> bool:
    """Whether ``sql`` is a read that touches one of ``tables``.

    A compound statement (``(SELECT ...) UNION ALL (SELECT ...)``) starts with a parenthesis.
    """
    if not sql.lstrip(" (").upper().startswith("SELECT"):
        return False
    return any(f'"{table}"' in sql for table in tables)


def is_main_list_query(sql: str, table: str) -> bool:
    """The page query of a list: it selects rows of the list's table and has a LIMIT."""
    return sql.startswith(f'SELECT "{table}".') and re.search(r"\bLIMIT \d+$", sql) is not None


def explain(sql: str, tables: set[str]) -> Plan:
    """Run ``sql`` under EXPLAIN (ANALYZE, BUFFERS) and list what would not scale."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
    document = json.loads(raw) if isinstance(raw, str) else raw
    root = document[0]["Plan"]
    plan = Plan(sql=sql, root=root, execution_ms=document[0]["Execution Time"])
    for node, _depth in _walk(root):
        relation = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and relation in tables:
            plan.findings.append(f"Seq Scan on big table {relation}")
        discarded = _discarded(node)
        if discarded >= DISCARDED_ROWS:
            where = f" on {relation}" if relation else ""
            plan.findings.append(
                f"{node['Node Type']}{where} reads and discards {discarded:,} rows "
                f"to return {node.get('Actual Rows', 0) * node.get('Actual Loops', 1):,}"
            )
    return plan


def _walk(node: dict, depth: int = 0) -> Iterator[tuple[dict, int]]:
    yield node, depth
    for child in node.get("Plans", ()):
        yield from _walk(child, depth + 1)


def _discarded(node: dict) -> int:
    removed = node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
    return int(removed * node.get("Actual Loops", 1))


def _describe(node: dict) -> str:
    text = node["Node Type"]
    if "Subplan Name" in node:
        text = f"{node['Subplan Name']}: {text}"
    if "Index Name" in node:
        text += f" using {node['Index Name']}"
    if "Relation Name" in node:
        text += f" on {node['Relation Name']}"
    if node.get("Scan Direction") == "Backward":
        text += " (backward)"
    loops = node.get("Actual Loops", 1)
    text += f"  rows={node.get('Actual Rows', 0):,}"
    if loops != 1:
        text += f" x{loops:,} loops"
    if discarded := _discarded(node):
        text += f"  discarded={discarded:,}"
    text += f"  {node.get('Actual Total Time', 0):.2f} ms"
    if "Filter" in node:
        text += f"  filter: {_short(node['Filter'])}"
    if "Index Cond" in node:
        text += f"  cond: {_short(node['Index Cond'])}"
    return text


def _short(condition: str, limit: int = 140) -> str:
    return condition if len(condition) <= limit else condition[: limit - 1] + "…"
