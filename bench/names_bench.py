"""Name matching benchmark: top-1 accuracy and throughput of name_similarity, beside a plain baseline.

    python bench/names_bench.py [--n 10000] [--seed 1] [--sample 200000]

Data: ``volia.names.corrupt.name_pairs(n, seed)``: n distinct synthetic Belarusian/Russian
people (Cyrillic originals) and one corrupted copy of each (another script or transliteration
system, the other language's form, typos, diminutives, order, patronymic dropped or added,
Polish/German press spellings, capitals). Every corrupted name is searched among all n
originals by brute force, and counts as right when its own original comes first.

- keys: ``volia.names.keys.name_similarities`` (the same numbers as ``name_similarity``,
  with the cheap whole-name gate computed over all originals at once);
- baseline: ``rapidfuzz.fuzz.token_sort_ratio`` on casefolded text, no transliteration,
  in bulk with ``rapidfuzz.process.cdist`` (C, one thread).

Throughput is given twice for each: pairs per CPU-second of the brute-force search (bulk), and
of the pairwise function called from Python on --sample random (corrupted, original) pairs,
which is what linkage and search re-ranking pay per call. CPU time (time.process_time), not
wall time, so that other work on a shared machine does not count; wall time is printed too. Also the false-match rate at
``MATCH_THRESHOLD``: the share of (corrupted, other person's original) pairs at or above it.
Results also go to bench/out/names.json.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

from volia.names.corrupt import name_pairs  # noqa: E402
from volia.names.keys import MATCH_THRESHOLD, name_similarities, name_similarity  # noqa: E402


def _keys(pairs: list[tuple[str, str]]) -> dict[str, float]:
    originals = [a for a, _ in pairs]
    n = len(pairs)
    top1 = 0
    true_hits = 0
    false_matches = 0
    start, cpu = time.perf_counter(), time.process_time()
    for i, (_, corrupted) in enumerate(pairs):
        scores = np.asarray(name_similarities(corrupted, originals))
        top1 += int(scores.argmax() == i)
        above = scores >= MATCH_THRESHOLD
        true_hits += int(above[i])
        false_matches += int(above.sum()) - int(above[i])
        if (i + 1) % 1000 == 0:
            print(f"  keys: {i + 1}/{n} queries", file=sys.stderr)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "top1": top1 / n,
        "recall_at_threshold": true_hits / n,
        "false_match_rate": false_matches / (n * (n - 1)),
        "seconds": elapsed,
        "cpu_seconds": cpu,
        "bulk_pairs_per_s": n * n / elapsed,
        "bulk_pairs_per_cpu_s": n * n / cpu,
    }


def _baseline(pairs: list[tuple[str, str]], chunk: int = 500) -> dict[str, float]:
    originals = [a.casefold() for a, _ in pairs]
    queries = [b.casefold() for _, b in pairs]
    n = len(pairs)
    top1 = 0
    start, cpu = time.perf_counter(), time.process_time()
    for lo in range(0, n, chunk):
        block = process.cdist(queries[lo:lo + chunk], originals, scorer=fuzz.token_sort_ratio)
        top1 += int((block.argmax(axis=1) == np.arange(lo, lo + len(block))).sum())
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"top1": top1 / n, "seconds": elapsed, "cpu_seconds": cpu, "bulk_pairs_per_s": n * n / elapsed,
            "bulk_pairs_per_cpu_s": n * n / cpu}


def _pairwise(pairs: list[tuple[str, str]], sample: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    originals = [a for a, _ in pairs]
    drawn = [(rng.choice(pairs)[1], rng.choice(originals)) for _ in range(sample)]
    # warm the per-name caches, as a long linkage run would have them
    for a, b in drawn[:1000]:
        name_similarity(a, b)
    cpu = time.process_time()
    for a, b in drawn:
        name_similarity(a, b)
    keys_rate = sample / (time.process_time() - cpu)
    folded = [(a.casefold(), b.casefold()) for a, b in drawn]
    cpu = time.process_time()
    for a, b in folded:
        fuzz.token_sort_ratio(a, b)
    baseline_rate = sample / (time.process_time() - cpu)
    return {"keys_pairs_per_cpu_s": keys_rate, "baseline_pairs_per_cpu_s": baseline_rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="people (originals and corrupted copies)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=200_000, help="random pairs for the pairwise timing")
    args = parser.parse_args()

    start = time.perf_counter()
    pairs = name_pairs(args.n, args.seed)
    generated = time.perf_counter() - start
    print(f"{args.n} pairs generated in {generated:.1f} s (seed {args.seed})")

    baseline = _baseline(pairs)
    print(f"baseline token_sort_ratio: top-1 {baseline['top1']:.4f}   {baseline['bulk_pairs_per_cpu_s']:,.0f} "
          f"pairs/CPU-s bulk ({baseline['cpu_seconds']:.1f} CPU-s, {baseline['seconds']:.1f} s wall)")
    keys = _keys(pairs)
    print(f"volia.names.keys:          top-1 {keys['top1']:.4f}   {keys['bulk_pairs_per_cpu_s']:,.0f} "
          f"pairs/CPU-s bulk ({keys['cpu_seconds']:.1f} CPU-s, {keys['seconds']:.1f} s wall)")
    print(f"  at MATCH_THRESHOLD {MATCH_THRESHOLD}: recall {keys['recall_at_threshold']:.4f}, "
          f"false-match rate {keys['false_match_rate']:.2e} per pair of different people")
    pairwise = _pairwise(pairs, args.sample, args.seed)
    print(f"pairwise calls ({args.sample:,} random pairs): name_similarity {pairwise['keys_pairs_per_cpu_s']:,.0f} "
          f"pairs/CPU-s, token_sort_ratio {pairwise['baseline_pairs_per_cpu_s']:,.0f} pairs/CPU-s")
    print(f"top-1 errors: {1 - baseline['top1']:.4f} (baseline) -> {1 - keys['top1']:.4f} (keys), "
          f"{(1 - baseline['top1']) / max(1 - keys['top1'], 1e-9):.1f}x fewer")

    report = {"n": args.n, "seed": args.seed, "generate_seconds": generated, "baseline": baseline, "keys": keys,
              "pairwise": pairwise, "match_threshold": MATCH_THRESHOLD}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "names.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
