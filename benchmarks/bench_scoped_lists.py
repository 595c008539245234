"""Scoped list endpoints: does a page cost the same in a deployment 100 times larger?

Builds a small world and the large world of DESIGN.md (1,002 organizations, 20,000
relationships, an ecosystem of 1,000 members, a million audit rows) side by side, in two scratch
databases it creates and drops (``cbrms_bench_small``, ``cbrms_bench_large``). It requests each
list through the real API (a bearer token, Django's test client, the whole request stack in
process) in both worlds, alternating between them in small batches so that whatever else the
machine does weighs on both alike, then runs EXPLAIN (ANALYZE) on every query of every list in
the large world.

Per list it prints the queries (they must be the same number in both worlds), the median latency
and the peak Python memory of one request in each world, and their ratio large / small. It exits
non-zero when a query count differs or a ratio passes the threshold.

    make bench
    python -m cbrms.devservers exec python -m benchmarks.bench_scoped_lists [--runs N] ...
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import tracemalloc
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.scratch import (
    SCRATCH_PREFIX,
    migrate,
    progress,
    scratch_database,
    setup_django,
    switch_database,
)

if TYPE_CHECKING:  # imported for real once Django is set up
    from rest_framework.test import APIClient

    from benchmarks.plans import Plan
    from benchmarks.worlds import World

DEFAULT_THRESHOLD = 5.0
DEFAULT_RUNS = 25
WARMUP = 3
BATCH_RUNS = 5  # timed requests in a row in one world before switching to the other


@dataclass(frozen=True)
class Case:
    """One list request: who asks, which URL, and the table its page query reads."""

    key: str
    title: str
    acting: str  # "acting" or "quiet"
    path: str  # below /api/v1/orgs/<slug>/; {ecosystem} is the ecosystem's id
    table: str


CASES = (
    Case("relationships", "relationships, first page", "acting", "relationships/",
         "relationships_relationship"),
    Case("relationships-quiet", "relationships, first page (quiet organization)", "quiet",
         "relationships/", "relationships_relationship"),
    Case("relationships-search", "relationships ?type=partnership&search=harbour", "acting",
         "relationships/?type=partnership&search=harbour", "relationships_relationship"),
    Case("relationships-ecosystem", "relationships ?type=ecosystem (55 / 1,000 members)", "acting",
         "relationships/?type=ecosystem", "relationships_relationship"),
    Case("parties", "parties of the ecosystem (orchestrator)", "acting",
         "relationships/{ecosystem}/parties/", "relationships_party"),
    Case("audit", "audit events (acting organization)", "acting", "audit-events/",
         "governance_auditevent"),
    Case("audit-quiet", "audit events (quiet organization)", "quiet", "audit-events/",
         "governance_auditevent"),
)  # fmt: skip


@dataclass
class Measurement:
    queries: list[str]
    median_ms: float
    min_ms: float
    peak_kib: float
    items: int  # rows on the page
    body_bytes: int


@dataclass
class Result:
    case: Case
    small: Measurement
    large: Measurement
    plans: list[Plan] = field(default_factory=list)  # the large world's

    @property
    def latency_ratio(self) -> float:
        return self.large.median_ms / self.small.median_ms

    @property
    def memory_ratio(self) -> float:
        return self.large.peak_kib / self.small.peak_kib

    def failures(self, threshold: float) -> list[str]:
        failed = []
        if len(self.small.queries) != len(self.large.queries):
            failed.append(
                f"{self.case.key}: {len(self.small.queries)} queries in the small world, "
                f"{len(self.large.queries)} in the large one"
            )
        if self.latency_ratio > threshold:
            failed.append(f"{self.case.key}: latency ratio {self.latency_ratio:.2f}x")
        if self.memory_ratio > threshold:
            failed.append(f"{self.case.key}: memory ratio {self.memory_ratio:.2f}x")
        return failed


@dataclass
class Site:
    """A world and where it lives, with one API client per organization that acts."""

    name: str
    url: str  # the scratch database's URL
    world: World
    clients: dict[str, APIClient] = field(default_factory=dict)  # "acting" / "quiet" -> client

    def path(self, case: Case) -> str:
        from benchmarks.worlds import ACTING_SLUG, QUIET_SLUG

        slug = {"acting": ACTING_SLUG, "quiet": QUIET_SLUG}[case.acting]
        return f"/api/v1/orgs/{slug}/{case.path.format(ecosystem=self.world.ecosystem_id)}"

    def get(self, case: Case):
        return self.clients[case.acting].get(self.path(case))


def make_clients(site: Site) -> None:
    from rest_framework.test import APIClient

    from benchmarks.worlds import ACTING_SLUG, QUIET_SLUG

    for who, slug in (("acting", ACTING_SLUG), ("quiet", QUIET_SLUG)):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {site.world.tokens[slug]}")
        site.clients[who] = client


def first_look(site: Site, case: Case) -> tuple[list[str], float, dict, int]:
    """Warm up; then one request's queries, its peak Python memory (KiB), body and size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    switch_database(site.url)
    for _ in range(WARMUP):  # also records the token's use, a write only the first use makes
        response = site.get(case)
        if response.status_code != 200:
            raise SystemExit(
                f"GET {site.path(case)} answered {response.status_code}: {response.content[:500]}"
            )
    with CaptureQueriesContext(connection) as captured:
        response = site.get(case)
    # Copied now: the next request empties the connection's query log (request_started).
    queries = [query["sql"] for query in captured.captured_queries]

    gc.collect()
    tracemalloc.start()
    site.get(case)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return queries, peak / 1024, response.json(), len(response.content)


def time_requests(sites: list[Site], case: Case, runs: int) -> dict[str, list[float]]:
    """``runs`` timed requests per site, in batches that alternate between the sites.

    The order of the sites flips from one batch to the next (ABBA), so a load that rises or
    falls during the measurement weighs on every site alike.
    """
    timings: dict[str, list[float]] = {site.name: [] for site in sites}
    batches = -(-runs // BATCH_RUNS)
    for batch in range(batches):
        count = min(BATCH_RUNS, runs - batch * BATCH_RUNS)
        for site in sites if batch % 2 == 0 else reversed(sites):
            switch_database(site.url)
            site.get(case)  # reconnects after the switch: not timed
            gc.collect()
            for _ in range(count):
                started = time.perf_counter()
                site.get(case)
                timings[site.name].append((time.perf_counter() - started) * 1000)
    return timings


def measure(sites: list[Site], case: Case, runs: int) -> dict[str, Measurement]:
    looks = {site.name: first_look(site, case) for site in sites}
    timings = time_requests(sites, case, runs)
    measurements = {}
    for name, (queries, peak_kib, body, size) in looks.items():
        measurements[name] = Measurement(
            queries=queries,
            median_ms=statistics.median(timings[name]),
            min_ms=min(timings[name]),
            peak_kib=peak_kib,
            items=len(body["results"]),
            body_bytes=size,
        )
    return measurements


def explain_all(results: list[Result], large: Site) -> None:
    from benchmarks.plans import big_tables, explain, reads_tables

    switch_database(large.url)
    tables = big_tables()
    for result in results:
        result.plans = [
            explain(sql, tables) for sql in result.large.queries if reads_tables(sql, tables)
        ]


def report(results: list[Result], worlds, threshold: float, runs: int) -> list[str]:
    from benchmarks.plans import is_main_list_query

    print()
    print(f"Worlds (rows):  {'table':<28} {'small':>10} {'large':>10}")
    small, large = worlds
    for table, count in large.row_counts.items():
        print(f"                {table:<28} {small.row_counts[table]:>10,} {count:>10,}")
    print()
    print(f"Per list: median of {runs} requests per world after {WARMUP} warm-ups, in batches of")
    print(f"{BATCH_RUNS} alternating between the worlds; peak Python memory of one request")
    print(f"(tracemalloc). Ratio = large / small. Threshold: {threshold:g}x.")
    print()
    header = (
        f"{'list':<52} {'queries':>9} {'small ms':>9} {'large ms':>9} {'ratio':>7} "
        f"{'small KiB':>10} {'large KiB':>10} {'ratio':>7} {'rows':>9} {'bytes s/l':>15}"
    )
    print(header)
    print("-" * len(header))
    failures = []
    for r in results:
        queries = f"{len(r.small.queries)}/{len(r.large.queries)}"
        rows = f"{r.small.items}/{r.large.items}"
        size = f"{r.small.body_bytes:,}/{r.large.body_bytes:,}"
        print(
            f"{r.case.title:<52} {queries:>9} {r.small.median_ms:>9.1f} {r.large.median_ms:>9.1f} "
            f"{r.latency_ratio:>6.2f}x {r.small.peak_kib:>10.0f} {r.large.peak_kib:>10.0f} "
            f"{r.memory_ratio:>6.2f}x {rows:>9} {size:>15}"
        )
        failures += r.failures(threshold)

    print()
    print("EXPLAIN (ANALYZE, BUFFERS) in the large world, every query that reads a big table:")
    for r in results:
        print()
        print(f"== {r.case.title}")
        for plan in r.plans:
            main = is_main_list_query(plan.sql, r.case.table)
            verdict = "; ".join(plan.findings) or "no Seq Scan on a big table, nothing discarded"
            label = "page query" if main else "query"
            print(f"  {label}: {plan.execution_ms:.2f} ms: {verdict}")
            if main or plan.findings:
                for line in plan.lines():
                    print(f"      {line}")
            if plan.findings:
                print(f"      SQL: {plan.sql}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed requests per list")
    parser.add_argument(
        "--threshold", type=float, default=DEFAULT_THRESHOLD, help="largest ratio allowed"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, help="shrink the large world (quick runs only)"
    )
    parser.add_argument(
        "--database", default=SCRATCH_PREFIX, help="scratch databases: NAME_small, NAME_large"
    )
    parser.add_argument("--keep-database", action="store_true", help="do not drop it at the end")
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args(argv)

    print(f"bench_scoped_lists: threshold {args.threshold:g}x (large / small), {args.runs} runs")
    keep = args.keep_database
    with (
        scratch_database(f"{args.database}_small", keep=keep) as small_url,
        scratch_database(f"{args.database}_large", keep=keep) as large_url,
    ):
        setup_django(small_url)
        from benchmarks.worlds import LARGE, SMALL, build_world, scaled

        progress("building the small world")
        small = Site("small", small_url, build_world(SMALL))
        switch_database(large_url)
        migrate()
        progress("building the large world")
        large = Site("large", large_url, build_world(scaled(LARGE, args.scale)))
        sites = [small, large]
        for site in sites:
            make_clients(site)

        results = []
        for case in CASES:
            progress(f"measuring {case.key}")
            measured = measure(sites, case, args.runs)
            results.append(Result(case, measured["small"], measured["large"]))
            r = results[-1]
            progress(
                f"  {len(r.small.queries)}/{len(r.large.queries)} queries, median "
                f"{r.small.median_ms:.1f}/{r.large.median_ms:.1f} ms ({r.latency_ratio:.2f}x)"
            )
        progress("explaining the large world's queries")
        explain_all(results, large)
        failures = report(results, (small.world, large.world), args.threshold, args.runs)

    if args.json:
        args.json.write_text(json.dumps(_as_json(results, args.threshold), indent=2))
    print()
    if failures:
        print(f"FAILED (threshold {args.threshold:g}x):")
        for failure in failures:
            print(f"  - {failure}")
        return 1
    print(f"OK: equal query counts, every ratio within {args.threshold:g}x")
    return 0


def _as_json(results: list[Result], threshold: float) -> dict:
    return {
        "threshold": threshold,
        "lists": [
            {
                "key": r.case.key,
                "small": {**asdict(r.small), "queries": len(r.small.queries)},
                "large": {**asdict(r.large), "queries": len(r.large.queries)},
                "latency_ratio": r.latency_ratio,
                "memory_ratio": r.memory_ratio,
                "plan_findings": [finding for plan in r.plans for finding in plan.findings],
            }
            for r in results
        ],
    }


if __name__ == "__main__":
    sys.exit(main())
