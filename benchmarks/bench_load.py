"""Load benchmark: a B2 export of 50,000 communities (about a million repeat rows).

Measured side by side in one run, each step in a fresh child process (its own time and peak RSS):

- DuckDB's own ``read_csv`` of the CSV sheets (into an in-memory table) vs ``mtm load`` of the
  CSV folder: target time ratio <= 2;
- calamine reading every sheet of the workbook vs ``mtm load`` of the workbook: ratio <= 2;
- peak RSS of each landing < 2 GB.

For information it also times DuckDB's ``read_csv`` into tables of a database file (committed):
what landing with DuckDB alone costs, without the loader's checks and lineage.

Each step runs ``--repeat`` times (interleaved, default 3) and the fastest run counts (peak RSS:
the highest seen), so a busy machine disturbs the ratios less.

Usage: ``python benchmarks/bench_load.py [--communities N] [--workdir DIR]``. Exits 1 when a
target is missed. Not part of ``make test`` (``make bench`` runs it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mtm.core import forms  # noqa: E402 - after the sys.path line above
from mtm.sample.kobo_export import write_export  # noqa: E402

ROUND = 3
# repeat rows per community (mean): 3+3+4+4+3+3 = 20 -> 1,000,000 rows for 50,000 communities
PER_COMMUNITY = {"ki": 3, "imw_nat": 3, "ret_cty": 4, "emi_cty": 4, "int_in_origin": 3, "int_out_dest": 3}
MAX_RATIO = 2.0
MAX_RSS_MB = 2048


def _codes(rng: np.random.Generator, list_name: str, n: int) -> np.ndarray:
    names = np.array([c.name for c in forms.choices("b2")[list_name]], dtype=object)
    return names[rng.integers(0, len(names), n)]


def _column(rng: np.random.Generator, q: forms.Question | None, path: str, n: int,
            index: np.ndarray) -> np.ndarray | pd.Series:
    """A vectorised column for a question path: codes, counts (with -99 and numbers-as-text), text."""
    name = path.rsplit("/", 1)[-1]
    if q is not None and q.list_name and q.base_type == "select_one":
        return _codes(rng, q.list_name, n)
    if q is not None and q.base_type in ("integer", "calculate") or name.startswith("_gps_"):
        values = rng.integers(0, 400, n).astype(object)
        values[rng.random(n) < 0.02] = -99
        messy = rng.random(n) < 0.01
        values[messy] = [f" {v} " for v in rng.integers(0, 400, int(messy.sum()))]
        return values
    if q is not None and q.base_type in ("start", "end", "date", "today"):
        return np.full(n, "2024-03-14", dtype=object)
    if name in ("enumerator_name", "ki_name"):
        return np.full(n, "Personal Name", dtype=object)
    if name == "ki_phone":
        return np.full(n, "+996 555 000 000", dtype=object)
    text = np.char.add(f"{name[:12]}_", index.astype(str)).astype(object)
    text[rng.random(n) < 0.5] = None
    return text


def build_sheets(communities: int, seed: int = 7) -> dict[str, pd.DataFrame]:
    """The sheets of a B2 round-3 export, built column by column with numpy."""
    rng = np.random.default_rng(seed)
    qs = {q.path: q for q in forms.questions("b2")}
    sheets: dict[str, pd.DataFrame] = {}
    main_name = forms.main_sheet_name("b2", ROUND)
    idx = np.arange(1, communities + 1)
    uuids = np.char.add("uuid-", idx.astype(str)).astype(object)
    times = np.array([f"2024-03-{1 + i % 28:02d}T09:{i % 60:02d}:07" for i in range(communities)], dtype=object)
    cols: dict[str, object] = {}
    for path in forms.sheet_columns("b2", forms.MAIN, ROUND):
        if path == "loc/community_id":
            cols[path] = np.char.add("C", np.char.zfill(idx.astype(str), 5)).astype(object)
        elif path in ("_id", "_index"):
            cols[path] = idx + (100000 if path == "_id" else 0)
        elif path == "_uuid":
            cols[path] = uuids
        elif path == "_submission_time":
            cols[path] = times
        elif path == "_validation_status":
            cols[path] = np.where(rng.random(communities) < 0.03, "validation_status_not_approved",
                                  "validation_status_approved").astype(object)
        elif path == "_submitted_by":
            cols[path] = np.full(communities, "kobo_user", dtype=object)
        elif path.startswith("_") or path == "__version__":
            cols[path] = np.full(communities, None, dtype=object)
        else:
            cols[path] = _column(rng, qs.get(path), path, communities, idx)
    sheets[main_name] = pd.DataFrame(cols)
    start = 1
    for repeat in forms.repeat_names("b2"):
        counts = rng.poisson(PER_COMMUNITY[repeat], communities)
        n = int(counts.sum())
        parent = np.repeat(idx, counts)
        rows = np.arange(start, start + n)
        start += n
        cols = {}
        for path in forms.sheet_columns("b2", repeat, ROUND):
            if path == "_index":
                cols[path] = rows
            elif path == "_parent_index":
                cols[path] = parent
            elif path == "_parent_table_name":
                cols[path] = np.full(n, main_name, dtype=object)
            elif path == "_submission__id":
                cols[path] = parent + 100000
            elif path == "_submission__uuid":
                cols[path] = uuids[parent - 1]
            elif path == "_submission__submission_time":
                cols[path] = times[parent - 1]
            elif path == "_submission__submitted_by":
                cols[path] = np.full(n, "kobo_user", dtype=object)
            elif path.startswith("_"):
                cols[path] = np.full(n, None, dtype=object)
            else:
                cols[path] = _column(rng, qs.get(path), path, n, rows)
        sheets[repeat] = pd.DataFrame(cols)
    return sheets


# ---------------------------------------------------------------- child tasks

def _peak_rss_mb() -> float:
    """This process's own peak RSS (``VmHWM``). ``ru_maxrss`` is not used: Linux carries the
    parent's peak over ``fork`` + ``exec``, so a child would report the generator's memory."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def task_duckdb_read_csv(folder: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    t0 = time.perf_counter()
    rows = 0
    for i, f in enumerate(sorted(folder.glob("*.csv"))):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar=true, delim=';', "
                    "header=true)", [str(f)])
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
    return {"seconds": time.perf_counter() - t0, "rows": rows}


def task_duckdb_csv_to_file(folder: Path, db: Path) -> dict:
    """Informational: DuckDB's read_csv into tables of a database file (committed), no loader."""
    import duckdb

    con = duckdb.connect(str(db))
    t0 = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    rows = 0
    for i, f in enumerate(sorted(folder.glob("*.csv"))):
        con.execute(f"CREATE TABLE t{i} AS SELECT * FROM read_csv(?, all_varchar=true, delim=';', "
                    "header=true)", [str(f)])
        rows += con.execute(f"SELECT count(*) FROM t{i}").fetchone()[0]
    con.execute("COMMIT")
    con.close()
    return {"seconds": time.perf_counter() - t0, "rows": rows}


def task_calamine_read(xlsx: Path) -> dict:
    from python_calamine import CalamineWorkbook

    t0 = time.perf_counter()
    wb = CalamineWorkbook.from_path(str(xlsx))
    rows = 0
    for name in wb.sheet_names:
        data = wb.get_sheet_by_name(name).to_python()
        rows += len(data) - 1
        del data
    return {"seconds": time.perf_counter() - t0, "rows": rows}


def task_land(path: Path, db: Path) -> dict:
    from mtm.core import progress
    from mtm.loaders.land import load_export

    progress.set_quiet(True)
    t0 = time.perf_counter()
    result = load_export(path, ROUND, db, form="b2")
    return {"seconds": time.perf_counter() - t0, "rows": sum(result.attempt.rows_per_sheet.values()),
            "status": result.attempt.status}


def _child(task: str, *args: str) -> dict:
    """Run one measured step in a fresh process; the landing steps start from an empty warehouse."""
    for a in args:
        if a.endswith(".duckdb"):
            for f in Path(a).parent.glob(Path(a).name + "*"):
                f.unlink()
    out = subprocess.run([sys.executable, __file__, "--child", task, *args], capture_output=True,
                         text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"child {task} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _run_child(task: str, args: list[str]) -> None:
    fn = {"duckdb_read_csv": task_duckdb_read_csv, "duckdb_csv_to_file": task_duckdb_csv_to_file,
          "calamine_read": task_calamine_read, "land": task_land}[task]
    result = fn(*[Path(a) for a in args])
    result["peak_rss_mb"] = _peak_rss_mb()
    print(json.dumps(result))


def main(argv: list[str] | None = None) -> int:
    """Generate the export, measure, print a table; exit 1 when a target is missed."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--communities", type=int, default=50_000)
    p.add_argument("--workdir", type=Path, default=None, help="keep files here (reused when present)")
    p.add_argument("--repeat", type=int, default=3,
                   help="measure each step this many times (interleaved) and keep the fastest")
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        _run_child(args.child[0], args.child[1:])
        return 0

    work = args.workdir or Path(tempfile.mkdtemp(prefix="mtm_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    xlsx, folder = work / f"b2_r{ROUND}_{args.communities}.xlsx", work / f"b2_r{ROUND}_{args.communities}_csv"
    try:
        if not (xlsx.exists() and folder.exists()):
            t0 = time.perf_counter()
            sheets = build_sheets(args.communities)
            n_rep = sum(len(df) for k, df in sheets.items() if k in PER_COMMUNITY)
            print(f"generated {args.communities:,} communities, {n_rep:,} repeat rows "
                  f"in {time.perf_counter() - t0:.1f}s", flush=True)
            t0 = time.perf_counter()
            write_export(sheets, folder, "csv")
            print(f"wrote CSV folder in {time.perf_counter() - t0:.1f}s", flush=True)
            t0 = time.perf_counter()
            write_export(sheets, xlsx, "xlsx")
            print(f"wrote XLSX ({xlsx.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.1f}s",
                  flush=True)
            del sheets
        steps = {"base_csv": ("duckdb_read_csv", str(folder)),
                 "land_csv": ("land", str(folder), str(work / "w_csv.duckdb")),
                 "file_csv": ("duckdb_csv_to_file", str(folder), str(work / "w_plain.duckdb")),
                 "base_xlsx": ("calamine_read", str(xlsx)),
                 "land_xlsx": ("land", str(xlsx), str(work / "w_xlsx.duckdb"))}
        best: dict[str, dict] = {}
        for _ in range(max(1, args.repeat)):
            for key, step in steps.items():
                r = _child(*step)
                if key not in best or r["seconds"] < best[key]["seconds"]:
                    best[key] = {**r, "peak_rss_mb": max(r["peak_rss_mb"], best.get(key, r)["peak_rss_mb"])}
        base_csv, land_csv, file_csv, base_xlsx, land_xlsx = (best[k] for k in steps)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)

    rows = [("DuckDB read_csv (baseline)", base_csv), ("mtm load CSV folder", land_csv),
            ("(info) DuckDB read_csv to file", file_csv),
            ("calamine read (baseline)", base_xlsx), ("mtm load XLSX", land_xlsx)]
    print(f"\n{'step':30} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS MB':>12}")
    for label, r in rows:
        print(f"{label:30} {r['rows']:>10,} {r['seconds']:>8.2f} {r['rows'] / r['seconds']:>10,.0f} "
              f"{r['peak_rss_mb']:>12,.0f}")
    ratio_csv = land_csv["seconds"] / base_csv["seconds"]
    ratio_xlsx = land_xlsx["seconds"] / base_xlsx["seconds"]
    checks = [
        (f"CSV landing / DuckDB read_csv = {ratio_csv:.2f} (<= {MAX_RATIO})", ratio_csv <= MAX_RATIO),
        (f"XLSX landing / calamine read = {ratio_xlsx:.2f} (<= {MAX_RATIO})", ratio_xlsx <= MAX_RATIO),
        (f"peak RSS CSV landing {land_csv['peak_rss_mb']:.0f} MB (< {MAX_RSS_MB})",
         land_csv["peak_rss_mb"] < MAX_RSS_MB),
        (f"peak RSS XLSX landing {land_xlsx['peak_rss_mb']:.0f} MB (< {MAX_RSS_MB})",
         land_xlsx["peak_rss_mb"] < MAX_RSS_MB),
        ("every row landed", land_csv["rows"] == base_csv["rows"] == land_xlsx["rows"] == base_xlsx["rows"]),
    ]
    print(f"\n(info) CSV landing / DuckDB read_csv into a database file = "
          f"{land_csv['seconds'] / file_csv['seconds']:.2f}")
    for label, ok in checks:
        print(f"{'ok  ' if ok else 'MISS'} {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
