"""Scale benchmark: R rounds x C communities, then one round more (issue 15).

In one run, in a fresh work folder:

1. a forms folder whose registry has rounds 1 to R+1 (``mtm.sample.registry``; ``$MTM_FORMS_DIR``
   points at it, so the checkout's registry is untouched and dbt gets it as its ``rounds`` seed);
2. ``mtm sample`` of rounds 1 to R+1 with ``--communities C`` as CSV zips (timed);
3. ``mtm load`` of rounds 1 to R, then ``mtm build`` (the **full build**), ``mtm build`` again
   with nothing changed (**no-change rebuild**), ``mtm load`` of round R+1 and ``mtm build``
   (**new round**), then ``--rebuilds`` more no-change builds (file growth);
4. the SQL dbt ran in the full build (``target/run`` in the warehouse's run-time folder, read
   right after it) run directly in DuckDB, models and tests in dependency order, on a copy of
   the working file as the full build left it (raw and seeds as dbt had them): the
   **dbt / DuckDB ratio** (dbt's phase of the full build over the direct run);
5. typical dashboard queries on the published file (read-only, each ``--query-runs`` times):
   **BI p50 / p95**;
6. round R+2 registered and nothing loaded for it, then ``mtm build``: an incremental build of
   every node a round reaches that touches no rows (**the fixed cost** of any round's build).

Each ``mtm build`` is a child process; its phases (dbt, gate, publish) are timed from its
progress lines and its peak RSS is the highest sum of VmRSS over the process and all its
descendants (dbt), sampled from ``/proc`` every 50 ms. File sizes after each build.

Prints a table (measure, value, target, pass/fail) and writes it as JSON beside the work folder
(``--json``, default ``<workdir>/bench_scale.json``). Exits 1 when a target is missed.

Usage: ``python benchmarks/bench_scale.py [--rounds R] [--communities C] [--workdir DIR]``, or
``make bench-scale`` (``BENCH_ROUNDS``, ``BENCH_COMMUNITIES``; defaults 5 x 2,000, a few minutes).
The issue's sizes: ``BENCH_ROUNDS=30 BENCH_COMMUNITIES=10000 make bench-scale`` and 100 rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402 - after the sys.path line above

from mtm.core import warehouse  # noqa: E402
from mtm.core.paths import FORMS_DIR_ENV  # noqa: E402
from mtm.publish import compact  # noqa: E402

MTM = Path(sys.executable).with_name("mtm")
GB = 1024 ** 3

BI_QUERIES = {
    "national by round": """
        select round_id, population_group, persons, communities_reporting
        from marts.national_population order by round_id, population_group""",
    "oblast by round and group": """
        select o.round_id, d.oblast_code, o.population_group, sum(o.persons) as persons
        from marts.oblast_population o join marts.dim_oblasts d using (oblast_code)
        where o.round_id = (select max(round_id) from marts.national_population)
        group by all order by persons desc""",
    "top countries": """
        select country_code, country_name, persons, pct_of_group
        from marts.population_by_country
        where round_id = (select max(round_id) from marts.national_population)
          and population_group = 'emigrants'
        order by persons desc limit 10""",
    "year trend": """
        select year, population_group, persons, pct_change_from_previous_year
        from marts.population_by_year
        where round_id = (select max(round_id) from marts.national_population)
        order by population_group, year""",
    "service availability": """
        select round_id, service_code, pct_with, pct_without
        from marts.service_availability order by round_id, service_code""",
    "rayon drill-down": """
        select c.community_id, c.population_group, c.persons
        from marts.community_population c
        where c.round_id = (select max(round_id) from marts.national_population)
          and c.rayon_code = (select min(rayon_code) from marts.rayon_population)
        order by c.persons desc limit 50""",
}


# --------------------------------------------------------------------------- running and measuring

@dataclass
class Run:
    """One child process: wall time, peak RSS of its process tree, progress lines with their time."""

    seconds: float = 0.0
    peak_rss: int = 0
    returncode: int = 0
    lines: list[tuple[float, str]] = field(default_factory=list)
    output: str = ""

    def phase(self, start: str, end: str | None) -> float:
        """Seconds from the progress line starting with ``start`` to the one starting with ``end``
        (or the end of the process)."""
        t0 = next((t for t, line in self.lines if start in line), None)
        if t0 is None:
            return float("nan")
        t1 = next((t for t, line in self.lines if end and end in line and t > t0), self.seconds)
        return t1 - t0


def _tree_rss(root: int) -> int:
    """Sum of VmRSS (bytes) of ``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status") as fh:
                status = fh.read()
        except OSError:
            continue
        pid = int(entry.name)
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        ppid = int(fields.get("PPid", "0").strip() or 0)
        children.setdefault(ppid, []).append(pid)
        kb = fields.get("VmRSS", "0 kB").strip().split()[0]
        rss[pid] = int(kb) * 1024
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


def run(cmd: list[str], env: dict[str, str]) -> Run:
    """Run ``cmd``, timing it and its progress lines, sampling its tree's RSS."""
    out = Run()
    started = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            out.peak_rss = max(out.peak_rss, _tree_rss(proc.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    text = []
    assert proc.stdout is not None
    for line in proc.stdout:
        out.lines.append((time.monotonic() - started, line.rstrip()))
        text.append(line)
    out.returncode = proc.wait()
    out.seconds = time.monotonic() - started
    done.set()
    sampler.join()
    out.output = "".join(text)
    if out.returncode != 0:
        sys.stderr.write(out.output[-4000:])
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}")
    return out


def mtm(env: dict[str, str], *args: str) -> Run:
    return run([str(MTM), *args], env)


def live(path: Path) -> int:
    """Bytes of the blocks a DuckDB file uses (the rest is free space left by replaced tables)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as f (read_only)")
        return compact.file_use(con, "f").live_bytes
    finally:
        con.close()


def size(path: Path) -> int:
    """Bytes of a DuckDB file and its WAL."""
    wal = path.with_name(path.name + ".wal")
    return (path.stat().st_size if path.exists() else 0) + (wal.stat().st_size if wal.exists() else 0)


# --------------------------------------------------------------------------- dbt's SQL run directly

def run_sql_in_order(target: Path) -> list[tuple[str, str, str]]:
    """(unique_id, resource type, SQL) of every model and test dbt ran, dependencies first."""
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())
    ran = {r["unique_id"] for r in results["results"] if r["status"] in ("success", "pass", "warn")}
    nodes = {k: v for k, v in manifest["nodes"].items() if k in ran and v["resource_type"] in ("model", "test")}
    order: list[str] = []
    seen: set[str] = set()

    def visit(uid: str) -> None:
        if uid in seen or uid not in nodes:
            return
        seen.add(uid)
        for dep in nodes[uid]["depends_on"]["nodes"]:
            visit(dep)
        order.append(uid)

    for uid in sorted(nodes):
        visit(uid)
    out = []
    for uid in order:
        node = nodes[uid]
        path = target / "run" / node["package_name"] / node["original_file_path"]
        if node["original_file_path"].endswith((".yml", ".yaml")):  # a generic test of a properties file
            path = path / node["path"]
        if path.exists():
            out.append((uid, node["resource_type"], path.read_text()))
    return out


DIRECT_SCRIPT = r"""
import json, sys, time, duckdb
db, plan, memory_limit = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
con = duckdb.connect(db, config={"memory_limit": memory_limit})  # the limit dbt's DuckDB has
times = {"model": 0.0, "test": 0.0}
for uid, kind, relation, sql in plan:
    t = time.perf_counter()
    if kind == "model":
        for existing in ("view", "table"):
            try:
                con.execute(f"drop {existing} if exists {relation}")
            except duckdb.CatalogException:  # it is the other kind
                pass
        con.execute(sql).fetchall()
    else:
        con.execute(sql).fetchall()
    times[kind] += time.perf_counter() - t
con.execute("checkpoint")
con.close()
print(json.dumps(times))
"""


def direct_run(plan: list[tuple[str, str, str]], db: Path, work: Path, env: dict[str, str]) -> tuple[Run, dict]:
    """dbt's statements on ``db`` (a copy of the built working file: raw and seeds as dbt had them)
    in one DuckDB connection: each model as dbt ran it, on its real relation instead of dbt's
    ``__dbt_tmp`` one (dropped first), then each test's query, in dependency order, with the DuckDB
    memory limit dbt's connection has (``MTM_MEMORY_LIMIT``)."""
    statements = []
    for uid, kind, sql in plan:
        if kind == "model":
            body = sql.strip().rstrip(";")
            head = body.split("(", 1)[0]
            relation = head.split(" as ")[0].split()[-1].replace("__dbt_tmp", "")
            statements.append((uid, kind, relation, body.replace("__dbt_tmp", "")))
        else:
            statements.append((uid, kind, "", sql.strip().rstrip(";")))
    plan_file = work / "direct-plan.json"
    plan_file.write_text(json.dumps(statements))
    script = work / "direct.py"
    script.write_text(DIRECT_SCRIPT)
    result = run([sys.executable, str(script), str(db), str(plan_file), warehouse.memory_limit()], env)
    return result, json.loads(result.output.strip().splitlines()[-1])


# --------------------------------------------------------------------------- BI queries

def bi_latency(published: Path, runs: int) -> dict[str, dict[str, float]]:
    con = duckdb.connect(str(published), read_only=True)
    out = {}
    for name, sql in BI_QUERIES.items():
        con.execute(sql).fetchall()  # warm
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            con.execute(sql).fetchall()
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        out[name] = {"p50_ms": statistics.median(times), "p95_ms": times[min(len(times) - 1, int(0.95 * len(times)))]}
    con.close()
    return out


# --------------------------------------------------------------------------- the benchmark

def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 5)))
    p.add_argument("--communities", type=int, default=int(os.environ.get("BENCH_COMMUNITIES", 2000)))
    p.add_argument("--workdir", type=Path, default=Path(os.environ.get("BENCH_WORKDIR", "/tmp/mtm-bench-scale")))
    p.add_argument("--rebuilds", type=int, default=3, help="no-change builds after the new round (file growth)")
    p.add_argument("--query-runs", type=int, default=50)
    p.add_argument("--json", type=Path, default=None)
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    args = p.parse_args(argv)
    R, C = args.rounds, args.communities
    work = args.workdir.absolute()
    out = args.json or work.parent / f"bench_scale_r{R}_c{C}.json"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    env = dict(os.environ)
    forms_dir = work / "forms"
    env[FORMS_DIR_ENV] = str(forms_dir)
    os.environ[FORMS_DIR_ENV] = str(forms_dir)  # this process's generator and loaders read it too
    env["PYTHONUNBUFFERED"] = "1"
    from mtm.pipeline import steps
    from mtm.sample.registry import write_forms_dir

    write_forms_dir(R + 1, forms_dir)
    paths = warehouse.resolve(work / "wh" / "mtm.duckdb")
    wh = ["--warehouse", str(paths.published)]
    m: dict[str, object] = {"rounds": R, "communities": C}
    print(f"scale benchmark: {R} rounds x {C:,} communities, then round {R + 1}; work in {work}", flush=True)

    t = time.monotonic()
    samples = work / "sample"
    for r in range(1, R + 2):
        steps.sample_round(r, samples / f"round-{r}", fmt="zip", communities=C)
    m["generate_s"] = time.monotonic() - t
    print(f"  generated {R + 1} rounds in {m['generate_s']:.1f} s", flush=True)

    def load(r: int) -> Run:
        d = samples / f"round-{r}"
        return mtm(env, "--quiet", "load", str(d / f"bma_r{r}_b2.zip"), str(d / f"bma_r{r}_b1.zip"),
                   "--round", str(r), *wh)

    t = time.monotonic()
    for r in range(1, R + 1):
        load(r)
    m["load_s"] = time.monotonic() - t
    con = duckdb.connect(str(paths.working), read_only=True)
    m["raw_rows"] = sum(con.execute(f"select count(*) from raw.{t}").fetchall()[0][0] for (t,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'raw' and table_name like 'b%'"
        " and table_type = 'VIEW'").fetchall())
    con.close()
    print(f"  loaded {R} rounds ({m['raw_rows']:,} raw rows) in {m['load_s']:.1f} s", flush=True)

    def build(label: str) -> Run:
        b = mtm(env, "build", *wh)
        compacted = any("compacted" in line for _, line in b.lines)
        rec = {"total_s": b.seconds, "dbt_s": b.phase("dbt build", "quality gate"),
               "gate_s": b.phase("quality gate", "publishing"), "publish_s": b.phase("publishing", "published"),
               "reclaim_s": b.phase("published", "compacted") if compacted else 0.0, "peak_rss": b.peak_rss,
               "working_bytes": size(paths.working), "working_live_bytes": live(paths.working),
               "published_bytes": size(paths.published)}
        rec["other_s"] = b.seconds - rec["dbt_s"] - rec["gate_s"] - rec["publish_s"] - rec["reclaim_s"]
        published = next((line for _, line in b.lines if "] published " in line), "")
        rec["published_as"] = published.rpartition("(")[2].rstrip(")") if published.endswith(")") else ""
        planned = next((line for _, line in b.lines if "dbt build on" in line or "] dbt: " in line), "")
        rec["dbt_plan"] = planned.split("] ", 1)[-1]
        m[label] = rec
        out.write_text(json.dumps(m, indent=2))  # so far (a long run that dies keeps what it measured)
        print(f"  {label}: {b.seconds:.1f} s (dbt {rec['dbt_s']:.1f}, gate {rec['gate_s']:.1f}, "
              f"publish {rec['publish_s']:.1f}, reclaim {rec['reclaim_s']:.1f}, start-up and exit "
              f"{rec['other_s']:.1f}), peak RSS {b.peak_rss / GB:.2f} GB, working "
              f"{rec['working_bytes'] / 1e6:.0f} MB, published {rec['published_bytes'] / 1e6:.0f} MB"
              f" [{rec['dbt_plan']}; published: {rec['published_as']}]", flush=True)
        return b

    build("full_build")
    plan = run_sql_in_order(paths.runtime_dir / "dbt-target")  # before the next build replaces it
    built = work / "direct" / paths.working.name  # same name: same catalog name as dbt's SQL uses
    built.parent.mkdir()
    shutil.copyfile(paths.working, built)
    build("no_change_rebuild")
    load(R + 1)
    build("new_round_build")
    for k in range(args.rebuilds):
        build(f"rebuild_{k + 1}")

    direct, parts = direct_run(plan, built, work, env)
    m["direct_sql"] = {"total_s": direct.seconds, "models_s": parts["model"], "tests_s": parts["test"],
                       "peak_rss": direct.peak_rss, "statements": len(plan)}
    print(f"  dbt's SQL directly in DuckDB: {direct.seconds:.1f} s (models {parts['model']:.1f}, "
          f"tests {parts['test']:.1f}; {len(plan)} statements)", flush=True)
    m["bi"] = bi_latency(paths.published, args.query_runs)
    write_forms_dir(R + 2, forms_dir)  # registered, nothing loaded: every node runs, on no rows
    build("no_rows_build")

    full = m["full_build"]
    inc = m["new_round_build"]
    fixed = m["no_rows_build"]
    assert isinstance(full, dict) and isinstance(inc, dict) and isinstance(fixed, dict)
    builds = [v for k, v in m.items() if isinstance(v, dict) and "working_live_bytes" in v]
    builds = [dict(b, reclaim_s=b.get("reclaim_s", 0.0)) for b in builds]
    growth = max(b["working_bytes"] / b["working_live_bytes"] for b in builds)
    bound = 1 / (1 - compact.MAX_FREE_SHARE)
    p95 = max(q["p95_ms"] for q in m["bi"].values())  # type: ignore[union-attr]
    p50 = statistics.median(q["p50_ms"] for q in m["bi"].values())  # type: ignore[union-attr]
    peak = max(m[k]["peak_rss"] for k in m if isinstance(m[k], dict) and "peak_rss" in m[k])  # type: ignore[index]
    rss_cap = 3 * GB if R <= 30 else 4 * GB
    ratio = full["dbt_s"] / direct.seconds
    rows = [
        ("full build (dbt + gate + publish)", f"{full['total_s']:.1f} s", "", None),
        ("  dbt build", f"{full['dbt_s']:.1f} s", "", None),
        ("  quality gate", f"{full['gate_s']:.1f} s", "", None),
        ("  publish", f"{full['publish_s']:.1f} s", "", None),
        ("  reclaiming the working copy (when over half free)",
         f"{max(b['reclaim_s'] for b in builds):.1f} s at most ({sum(b['reclaim_s'] > 0 for b in builds)} of "
         f"{len(builds)} builds)", "", None),
        ("new round build", f"{inc['total_s']:.1f} s ({inc['total_s'] / full['total_s']:.0%} of full)",
         "<= 15% of full", inc["total_s"] <= 0.15 * full["total_s"]),
        ("new round build (seconds)", f"{inc['total_s']:.1f} s", "<= 60 s", inc["total_s"] <= 60),
        ("  dbt / gate / publish / reclaim", f"{inc['dbt_s']:.1f} / {inc['gate_s']:.1f} / {inc['publish_s']:.1f}"
         f" / {inc['reclaim_s']:.1f} s", "", None),
        (f"fixed cost: build of round {R + 2} registered, no rows",
         f"{fixed['total_s']:.1f} s ({fixed['total_s'] / full['total_s']:.0%} of full)", "", None),
        ("  dbt / gate / publish", f"{fixed['dbt_s']:.1f} / {fixed['gate_s']:.1f} / {fixed['publish_s']:.1f} s",
         "", None),
        ("no-change rebuild", f"{m['no_change_rebuild']['total_s']:.1f} s", "", None),  # type: ignore[index]
        ("dbt build / same SQL in DuckDB", f"{ratio:.2f}x ({full['dbt_s']:.1f} s / {direct.seconds:.1f} s)",
         "<= 1.5x", ratio <= 1.5),
        ("peak RSS (build process tree)", f"{peak / GB:.2f} GB", f"<= {rss_cap // GB} GB", peak <= rss_cap),
        ("working file after full build", f"{full['working_bytes'] / 1e6:.0f} MB", "", None),
        ("working file / its live data, worst of all builds", f"{growth:.2f}x ({len(builds)} builds)",
         f"<= {bound:.2f}x (bounded)", growth <= bound + 0.05),
        ("working file after the last build", f"{builds[-1]['working_bytes'] / 1e6:.0f} MB", "", None),
        ("published file", f"{inc['published_bytes'] / 1e6:.0f} MB", "", None),
        ("BI query p50 (median of queries)", f"{p50:.1f} ms", "", None),
        ("BI query p95 (worst query)", f"{p95:.1f} ms", "<= 50 ms", p95 <= 50),
    ]
    print()
    print(f"| measure ({R} rounds x {C:,} communities, {m['raw_rows']:,} raw rows) | value | target | |")
    print("|---|---|---|---|")
    for name, value, target_text, ok in rows:
        print(f"| {name} | {value} | {target_text} | {'' if ok is None else ('pass' if ok else 'FAIL')} |")
    print()
    for name, q in m["bi"].items():  # type: ignore[union-attr]
        print(f"  BI {name}: p50 {q['p50_ms']:.1f} ms, p95 {q['p95_ms']:.1f} ms")
    m["table"] = [{"measure": n, "value": v, "target": tt, "pass": ok} for n, v, tt, ok in rows]
    out.write_text(json.dumps(m, indent=2))
    print(f"\nwrote {out}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if any(ok is False for *_, ok in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
