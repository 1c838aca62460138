"""Failure modes: where no finite estimate exists the result says so and gives no number."""

from __future__ import annotations

import pytest

from volia.stats import mse
from volia.stats.capture import CaptureTable


def table(lists: str, cells: dict[str, int]) -> CaptureTable:
    return CaptureTable.from_patterns(list(lists), {tuple(int(b) for b in p): n for p, n in cells.items()})


def test_two_lists_that_never_overlap_have_no_estimate():
    result = mse.estimate(table("AB", {"10": 40, "01": 25}))
    d = result.as_dict()
    assert d["estimate"] is None and d["lower"] is None and d["upper"] is None and d["model"] is None
    assert any("nobody in common: A/B" in w for w in d["warnings"])
    assert any("no model gives a finite estimate" in w for w in d["warnings"])
    f = mse.fit_model(result.used, ())
    assert f.status == "infinite" and f.estimate is None


def test_saturated_two_list_model_is_undetermined():
    f = mse.fit_model(table("AB", {"10": 40, "01": 25, "11": 5}), [(0, 1)])
    assert f.status == "undetermined" and f.estimate is None


def test_three_lists_with_one_empty_overlap():
    """A and B never share anybody (in the manner of Chan, Silverman & Vincent 2021, Table 2).

    Models without A:B are fitted as usual; with A:B that interaction is minus infinity, and the
    estimate still exists because it is carried by the overlaps with C; with A:C and B:C but not
    A:B, A and B are independent among those not on C, where they never meet: infinite; with all
    three interactions the unobserved count is not determined at all.
    """
    t = table("ABC", {"100": 30, "010": 25, "001": 40, "101": 10, "011": 8})
    assert mse.fit_model(t, ()).status == "ok"
    with_ab = mse.fit_model(t, [(0, 1)])
    assert with_ab.status == "ok" and with_ab.estimate is not None
    assert any("minus infinity" in note for note in with_ab.notes)
    assert with_ab.df == 1  # the two empty cells and the A:B parameter leave the fit
    assert mse.fit_model(t, [(0, 2), (1, 2)]).status == "infinite"
    assert mse.fit_model(t, [(0, 1), (0, 2), (1, 2)]).status == "undetermined"
    result = mse.estimate(t)
    assert result.estimate is not None
    assert all(a["status"] == "ok" for a in result.as_dict()["alternatives"])
    assert any("2 of 8 models" in w for w in result.warnings)


def test_list_covering_everyone_gives_a_boundary_estimate_with_a_warning():
    result = mse.estimate(table("AB", {"10": 50, "11": 30}))
    assert result.chosen is not None and result.chosen.status == "zero"
    assert result.estimate == 80
    assert any("everyone observed is on A" in w for w in result.warnings)
    assert any("boundary estimate" in w for w in result.warnings)


def test_sparse_overlaps_give_an_implausible_estimate_that_is_flagged():
    result = mse.estimate(table("ABC", {"100": 120, "010": 90, "001": 100, "110": 1, "011": 1, "101": 2}))
    d = result.as_dict()
    assert d["estimate"] > 10 * d["observed"]
    assert any("very small overlaps" in w for w in d["warnings"])
    assert any("do not publish it" in w for w in d["warnings"])


def test_interval_without_upper_bound_is_null_and_explained():
    t = table("AB", {"10": 300, "01": 300, "11": 1})
    f = mse.fit_model(t, ())
    mse.profile_interval(t, f, max_ratio=100)
    assert f.upper is None and f.lower is not None
    assert any("no upper bound" in note for note in f.notes)


def test_empty_list_is_left_out_and_one_list_cannot_be_estimated():
    result = mse.estimate(table("ABC", {"100": 30, "010": 20, "110": 10}))
    assert result.used.lists == ("A", "B")
    assert any("nobody on them were left out: C" in w for w in result.warnings)
    assert result.estimate == pytest.approx(30 + 20 + 10 + 30 * 20 / 10)
    alone = mse.estimate(table("AB", {"10": 30}))
    assert alone.estimate is None
    assert any("at least two lists" in w for w in alone.warnings)


def test_model_given_by_name_and_bad_names():
    t = table("ABC", {"100": 30, "010": 25, "001": 40, "101": 10, "011": 8, "110": 5, "111": 2})
    assert mse.estimate(t, model="A:B").as_dict()["model"] == ["A", "B", "C", "A:B"]
    assert mse.estimate(t, model="A:B:C").as_dict()["estimate"] is None  # 8 parameters, 7 cells
    with pytest.raises(ValueError, match="'A:D' is not an interaction"):
        mse.estimate(t, model="A:D")
    with pytest.raises(ValueError, match="unknown selection method"):
        mse.estimate(t, "cp")
