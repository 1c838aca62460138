"""Name search benchmark: accuracy and latency of volia.search at scale, beside a naive baseline.

    python bench/search_bench.py [--names 1000000] [--queries 1000] [--baseline-queries 200]
                                 [--skip-sqlite] [--skip-postgres] [--seed 7]

Data (the same, from the seed, in each database): synthetic people, each with three names: the
Belarusian Cyrillic primary name, the Russian form and the passport Latin spelling
(volia.names.translit, "be-passport"); `--names` names in all, so a third as many people.
Given names and patronymics come from volia.demo.names; surnames are drawn from some 40,000
synthetic ones (a root of Cyrillic syllables and an ordinary Belarusian ending, with its
Russian form), so that no two people share given name and surname: every query has exactly
one right answer. People and names are written with raw bulk inserts (executemany on SQLite,
COPY on PostgreSQL: volia.registry.bulk), then the index is built by `volia.search.index.rebuild`
(timed).

Queries: `--queries` people drawn at random; each query is one of their names (the Belarusian
or the Russian form) corrupted by volia.names.corrupt (another script or transliteration
system, press spelling, be/ru form, diminutive, typos, word order, patronymic dropped,
capitals...). Measured on each database, in one process, after a warm-up of 20 queries:

- volia: `volia.search.service.search(q, limit=10)`: top-1 accuracy (the first hit is the
  person the query came from), recall at 10, latency p50/p95/max; each miss counted as the
  re-ranker's (name_similarity itself prefers the person found) or the selection's, and as
  ambiguous when the person found is at most as many letter edits from the query as the right
  one (`edits`: canonical Latin, no folding), which no ranking could be blamed for;
- baseline: a plain substring scan of the stored names on the query's longest word
  (LIKE on SQLite, ILIKE on PostgreSQL), candidates ranked by rapidfuzz WRatio against the whole
  query; same measures, on the first `--baseline-queries` queries (each one scans every name).

Prints one line per database and writes bench/out/search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "volia_search_bench"
sys.path.insert(0, str(ROOT))

# --- synthetic surnames ---------------------------------------------------------------------------

_ONSETS = ["б", "в", "г", "д", "ж", "з", "к", "л", "м", "н", "п", "р", "с", "т", "х", "ц", "ч", "ш"]
_VOWELS = ["а", "у", "ы", "а", "у"]
_CODAS = ["", "", "", "н", "р", "л", "с", "ш"]
# (Belarusian, Russian) endings of ordinary surnames, masculine; "same" ones do not change for women
_ENDINGS = [("евіч", "евич", "same"), ("овіч", "ович", "same"), ("ук", "ук", "same"), ("чук", "чук", "same"),
            ("ка", "ко", "same"), ("ёнак", "ёнок", "same"), ("ік", "ик", "same"), ("ец", "ец", "same"),
            ("скі", "ский", "ski"), ("оў", "ов", "ov"), ("ін", "ин", "in")]


def _feminine(be: str, ru: str, kind: str) -> tuple[str, str]:
    if kind == "ski":
        return be[:-1] + "ая", ru[:-2] + "ая"
    if kind == "ov":
        return be[:-1] + "ва", ru + "а"
    if kind == "in":
        return be + "а", ru + "а"
    return be, ru


def surnames(rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    """n distinct synthetic surnames: (male be, male ru, female be, female ru)."""
    seen: set[str] = set()
    out = []
    while len(out) < n:
        root = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.choice((1, 2, 2, 3))))
        root += rng.choice(_CODAS)
        be_end, ru_end, kind = rng.choice(_ENDINGS)
        be, ru = (root + be_end).capitalize(), (root + ru_end).capitalize()
        if be in seen:
            continue
        seen.add(be)
        out.append((be, ru, *_feminine(be, ru, kind)))
    return out


def people(n_people: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(sex, be, ru, Latin) full names of n distinct people: no two share given name and surname."""
    from volia.demo import names as demo
    from volia.names.translit import transliterate

    rng = random.Random(seed)
    table = surnames(rng, max(40_000, n_people // 8))
    seen: set[tuple[str, str]] = set()
    out = []
    while len(out) < n_people:
        female = rng.random() < 0.4
        given = rng.choice(demo.FEMALE_GIVEN if female else demo.MALE_GIVEN)
        mbe, mru, fbe, fru = rng.choice(table)
        sbe, sru = (fbe, fru) if female else (mbe, mru)
        if (given.be, sbe) in seen:
            continue
        seen.add((given.be, sbe))
        pat = rng.choice(demo.PATRONYMICS) if rng.random() < 0.7 else None
        pforms = (pat.female if female else pat.male) if pat else None
        be = " ".join(p for p in (given.be, pforms.be if pforms else "", sbe) if p)
        ru = " ".join(p for p in (given.ru, pforms.ru if pforms else "", sru) if p)
        out.append(("f" if female else "m", be, ru, transliterate(be, "be-passport")))
    return out


# --- one database (runs in its own process) --------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def _latency(ms: list[float]) -> dict[str, float]:
    return {"p50_ms": round(_percentile(ms, 50), 2), "p95_ms": round(_percentile(ms, 95), 2),
            "max_ms": round(max(ms), 2), "mean_ms": round(statistics.fmean(ms), 2)}


def edits(query: str, names: list[str]) -> int:
    """The fewest edits (optimal string alignment over canonical Latin) turning the query's words into
    words of one of the names, in any order; a query word left over costs its letters, a name word
    left over (a patronymic the query lacks) nothing. No folding: a neutral count for misses."""
    import itertools

    from rapidfuzz.distance import OSA

    from volia.names.keys import canonical_latin

    q = canonical_latin(query).split()
    best = sum(len(w) for w in q)
    for name in names:
        n = canonical_latin(name).split()
        for perm in itertools.permutations(n, min(len(q), len(n))):
            best = min(best, sum(OSA.distance(a, b) for a, b in zip(q, perm, strict=False))
                       + sum(len(w) for w in q[len(perm):]))
    return best


def worker(vendor: str, url: str, n_names: int, n_queries: int, n_baseline: int, seed: int,
           reuse: bool = False, query_seed: int | None = None) -> dict:
    os.environ["VOLIA_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volia.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone
    from rapidfuzz import fuzz

    from volia.names.corrupt import corrupt
    from volia.registry import bulk
    from volia.registry.models import Person, PersonName
    from volia.search import index
    from volia.search.models import SearchPosting, SearchWord, SearchWordKey
    from volia.search.service import search

    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    crowd = people(n_names // 3, seed)
    t_gen = time.perf_counter() - t

    t = time.perf_counter()
    now = timezone.now()
    ids: list[int] = []
    if reuse and Person.objects.exists():  # the database a previous run with --keep left
        ids = list(Person.objects.order_by("id").values_list("id", flat=True))
        assert len(ids) == len(crowd), "the kept database was built with another --names"
    for i in range(0, len(crowd) if not ids else 0, 50_000):
        chunk = crowd[i:i + 50_000]
        with transaction.atomic():
            pids = bulk.allocate_ids(Person, len(chunk))
            bulk.insert(Person, ["id", "key", "sex", "region", "visibility", "birth_precision", "birth_earliest",
                                 "birth_latest", "notes", "version", "created_at", "updated_at"],
                        [(pid, f"bench-{pid}", sex, "", "public", "", None, None, "", 1, now, now)
                         for pid, (sex, *_names) in zip(pids, chunk, strict=True)])
            rows = []
            for pid, (_sex, be, ru, latn) in zip(pids, chunk, strict=True):
                rows += [(pid, be, "be", "Cyrl", "primary", True, now), (pid, ru, "ru", "Cyrl", "alias", False, now),
                         (pid, latn, "be", "Latn", "transliteration", False, now)]
            bulk.insert(PersonName, ["person_id", "text", "language", "script", "kind", "is_primary",
                                     "created_at"], rows)
        ids += pids
    t_insert = time.perf_counter() - t
    with connection.cursor() as cur:  # what autovacuum (off on the development server) would do after the load
        cur.execute("ANALYZE")
    n_rows = PersonName.objects.count()

    t = time.perf_counter()
    c = time.process_time()
    if reuse and SearchPosting.objects.exists():
        n_terms, t_index, c_index = SearchPosting.objects.count(), float("nan"), float("nan")
    else:
        n_terms = index.rebuild()
        t_index, c_index = time.perf_counter() - t, time.process_time() - c
    assert SearchPosting.objects.count() == n_terms
    n_words, n_keys = SearchWord.objects.count(), SearchWordKey.objects.count()

    rng = random.Random(seed + 1 if query_seed is None else query_seed)
    targets = rng.sample(range(len(crowd)), n_queries + 20)
    queries = []
    for k in targets:
        _sex, be, ru, _latn = crowd[k]
        lang = "be" if rng.random() < 0.75 else "ru"
        queries.append((corrupt(be if lang == "be" else ru, rng, lang), ids[k]))
    warm, queries = queries[:20], queries[20:]
    for q, _ in warm:
        search(q, limit=10)

    from volia.names.keys import name_similarity

    ms, cpu, top1, top10 = [], [], 0, 0
    misses = []
    # a miss is the re-ranker's when name_similarity itself scores somebody else at least as high as
    # the right person's best name (no candidate selection could fix it); otherwise the right person
    # was not among the people re-ranked (candidate selection)
    reranker_misses = 0
    # an ambiguous miss: the person found is at most as many edits from the query as the right one
    ambiguous = 0
    index_of = {pid: k for k, pid in enumerate(ids)}
    for q, target in queries:
        t, c = time.perf_counter(), time.process_time()
        hits = search(q, limit=10)
        ms.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
        found = [h.person_id for h in hits]
        top1 += bool(found) and found[0] == target
        top10 += target in found
        if not found or found[0] != target:
            _sex, *names = crowd[index_of[target]]
            right = max(name_similarity(q, n) for n in names)
            reranker_misses += bool(hits) and hits[0].score >= round(right, 4)
            if hits:
                _sex, *found_names = crowd[index_of[hits[0].person_id]]
                ambiguous += edits(q, found_names) <= edits(q, names)
            misses.append({"query": q, "target": names[0], "target_score": round(right, 4),
                           "got": hits[0].name if hits else None, "got_score": hits[0].score if hits else None})
    volia = {"top1": round(top1 / len(queries), 4), "recall10": round(top10 / len(queries), 4), **_latency(ms),
             "cpu": _latency(cpu), "misses": len(misses), "reranker_misses": reranker_misses,
             "selection_misses": len(misses) - reranker_misses, "ambiguous_misses": ambiguous}

    like = "ILIKE" if vendor == "postgresql" else "LIKE"
    b_ms, b_cpu, b_top1 = [], [], 0
    with connection.cursor() as cur:
        for q, target in queries[:n_baseline]:
            t, c = time.perf_counter(), time.process_time()
            word = max(q.split(), key=len)
            cur.execute(f"SELECT person_id, text FROM registry_personname WHERE text {like} %s ESCAPE '\\'",
                        ["%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"])
            best: dict[int, float] = {}
            for pid, text in cur.fetchall():
                best[pid] = max(best.get(pid, 0.0), fuzz.WRatio(q, text))
            ranked = sorted(best, key=lambda p: -best[p])[:10]
            b_ms.append((time.perf_counter() - t) * 1000)
            b_cpu.append((time.process_time() - c) * 1000)
            b_top1 += bool(ranked) and ranked[0] == target
    baseline = {"queries": len(b_ms), "top1": round(b_top1 / len(b_ms), 4), **_latency(b_ms), "cpu": _latency(b_cpu)}
    return {"vendor": vendor, "people": len(crowd), "names": n_rows, "postings": n_terms, "queries": len(queries),
            "words": n_words, "word_keys": n_keys,
            "generate_s": round(t_gen, 1), "insert_s": round(t_insert, 1), "index_s": round(t_index, 1),
            "index_cpu_s": round(c_index, 1), "load_after_build": [round(x, 1) for x in os.getloadavg()],
            "volia": volia, "baseline": baseline, "load": [round(x, 1) for x in os.getloadavg()],
            "p95_ratio": round(baseline["p95_ms"] / volia["p95_ms"], 1),
            "misses": misses[:60]}


# --- driver ---------------------------------------------------------------------------------------


def fresh_pg(name: str) -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def pg_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_pg(name: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")


def run_worker(vendor: str, url: str, args: argparse.Namespace, data_dir: str) -> dict:
    env = {**os.environ, "VOLIA_DATA_DIR": data_dir}
    cmd = [sys.executable, __file__, "--worker", vendor, "--url", url, "--names", str(args.names),
           "--queries", str(args.queries), "--baseline-queries", str(args.baseline_queries), "--seed", str(args.seed)]
    if args.query_seed is not None:
        cmd += ["--query-seed", str(args.query_seed)]
    if args.keep:
        cmd += ["--keep", args.keep]
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        raise SystemExit(f"{vendor} worker failed:\n{res.stderr[-4000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def show(r: dict) -> None:
    v, b = r["volia"], r["baseline"]
    print(f"{r['vendor']:10} {r['names']:,} names of {r['people']:,} people; index: {r['words']:,} words, "
          f"{r['word_keys']:,} typo keys, {r['postings']:,} postings (insert {r['insert_s']} s, index build "
          f"{r['index_s']} s wall, {r['index_cpu_s']} s CPU; load after build {r['load_after_build']})\n"
          f"  volia.search  top-1 {v['top1']:.3f}  recall@10 {v['recall10']:.3f}  p50 {v['p50_ms']} ms  "
          f"p95 {v['p95_ms']} ms  max {v['max_ms']} ms  ({r['queries']} queries; this process's CPU per query: "
          f"p50 {v['cpu']['p50_ms']} ms, p95 {v['cpu']['p95_ms']} ms)\n"
          f"  misses: {v['misses']}, of which {v['reranker_misses']} name_similarity itself ranks below another "
          f"person and {v['selection_misses']} not among the people re-ranked; {v['ambiguous_misses']} ambiguous "
          f"(the person found is at most as many letter edits from the query as the right one)\n"
          f"  baseline      top-1 {b['top1']:.3f}  p50 {b['p50_ms']} ms  p95 {b['p95_ms']} ms  "
          f"({b['queries']} queries; CPU p50 {b['cpu']['p50_ms']} ms)   p95 ratio baseline/volia {r['p95_ratio']}x\n"
          f"  load average while measuring: {r['load']}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--names", type=int, default=1_000_000, help="names in the database (three per person)")
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--baseline-queries", type=int, default=200, help="queries also run through the baseline")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--query-seed", type=int, help="draw the queries with this seed instead of seed + 1: a held-out "
                    "set of queries against the same people (to check that a change tuned on one set generalises)")
    ap.add_argument("--skip-sqlite", action="store_true")
    ap.add_argument("--skip-postgres", action="store_true")
    ap.add_argument("--keep", metavar="DIR", help="keep the databases (SQLite file in DIR, PostgreSQL database "
                    f"{PG_DB}) and reuse them, index included, on the next run with --keep")
    ap.add_argument("--worker", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    ap.add_argument("--url", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        result = worker(args.worker, args.url, args.names, args.queries, args.baseline_queries, args.seed,
                        reuse=args.keep is not None, query_seed=args.query_seed)
        print(json.dumps(result, ensure_ascii=False))
        return
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"names": args.names, "queries": args.queries, "seed": args.seed,
                                  "query_seed": args.seed + 1 if args.query_seed is None else args.query_seed}
    with tempfile.TemporaryDirectory() as tmp:
        d = args.keep or tmp
        Path(d).mkdir(parents=True, exist_ok=True)
        if not args.skip_sqlite:
            r = run_worker("sqlite", f"sqlite:///{Path(d).resolve()}/search-bench-{args.names}.sqlite3", args, d)
            show(r)
            results["sqlite"] = r
        if not args.skip_postgres:
            url = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB if args.keep and pg_exists(PG_DB) else fresh_pg(PG_DB)
            try:
                r = run_worker("postgresql", url, args, d)
            finally:
                if not args.keep:
                    drop_pg(PG_DB)
            show(r)
            results["postgresql"] = r
    (OUT / "search.json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
