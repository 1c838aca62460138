"""The estimates must reproduce published analyses of published capture tables.

Each table in data/ names its source. Figures are compared at the precision they were published
with (Rcapture's tests compare them the same way, rounding to the digits printed in the paper).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from volia.stats import mse
from volia.stats.capture import read_capture_table

DATA = Path(__file__).parent / "data"


def table(name: str):
    return read_capture_table(DATA / f"{name}.tsv")


def fit(name: str, model: str, interval: bool = False) -> mse.Fit:
    t = table(name)
    f = mse.fit_model(t, mse.parse_model(model, t.lists))
    if interval:
        mse.profile_interval(t, f)
    return f


def test_lincoln_petersen_two_lists_seber_1982():
    f = fit("seber1982", "independence")
    assert round(f.estimate, 1) == 2389.9  # 948 * 421 / 167
    assert round(f.se, 1) == 130.4


def test_darroch_1993_three_lists():
    saturated = fit("darroch1993", "c1:c2, c1:c3, c2:c3")
    assert (round(saturated.estimate), round(saturated.se)) == (1240, 451)
    assert saturated.df == 0
    two = fit("darroch1993", "c1:c2, c2:c3")
    assert (round(two.estimate), round(two.se)) == (850, 186)
    assert (round(two.deviance, 1), two.df) == (3.8, 1)


def test_bruno_1994_diabetes_four_lists():
    bruno = fit("bruno1994", "c1:c2, c1:c3, c2:c3, c2:c4, c3:c4")  # all pairs but c1:c4
    assert (round(bruno.estimate), round(bruno.se)) == (2771, 145)
    assert (round(bruno.deviance, 2), bruno.df) == (7.62, 5)
    rivest = fit("bruno1994", "c1:c3, c2:c4, c3:c4")
    assert (round(rivest.estimate), round(rivest.se)) == (2472, 53)
    assert (round(rivest.deviance, 2), rivest.df) == (21.97, 7)


def test_cormack_2000_three_lists_with_profile_intervals():
    independence = fit("cormack2000_3", "independence", interval=True)
    assert round(independence.estimate) == 209
    assert (round(independence.deviance, 1), independence.df) == (75.1, 3)
    assert (round(independence.lower), round(independence.upper)) == (203, 217)
    one = fit("cormack2000_3", "c2:c3", interval=True)
    assert (round(one.deviance, 1), one.df) == (1.2, 2)
    assert round(one.lower) == 210
    assert one.upper == pytest.approx(237, abs=1.5)  # Rcapture does not reproduce the paper's 237 exactly either
    two = fit("cormack2000_3", "c1:c3, c2:c3", interval=True)
    assert round(two.estimate) == 233
    assert round(two.lower) == 204
    assert two.upper == pytest.approx(313, abs=2)
    saturated = fit("cormack2000_3", "c1:c2, c1:c3, c2:c3", interval=True)
    assert saturated.estimate == pytest.approx(247, abs=1)
    assert round(saturated.deviance, 1) == 0 and saturated.df == 0
    assert round(saturated.lower) == 205 and saturated.upper == pytest.approx(395, rel=0.02)


def test_cormack_2000_four_lists_the_cautionary_tale():
    assert round(fit("cormack2000_4", "independence").estimate) == 215
    assert round(fit("cormack2000_4", "independence").deviance, 1) == 87.1
    assert round(fit("cormack2000_4", "WCC:MOSH").estimate) == 215
    assert round(fit("cormack2000_4", "DEATH:WCC, WCC:MOSH").deviance, 1) == 7.7
    three = fit("cormack2000_4", "DEATH:NTOF, DEATH:WCC, WCC:MOSH")
    assert round(three.estimate) == 218 and round(three.deviance, 1) == 2.6
    # The paper (and Rcapture) print more than a million for these models: the likelihood has no
    # maximum (five empty cells); here they have no estimate and say why.
    for model in ("DEATH:NTOF, DEATH:WCC, DEATH:MOSH, NTOF:WCC, NTOF:MOSH, WCC:MOSH",
                  "DEATH:NTOF, DEATH:WCC, DEATH:MOSH, WCC:MOSH"):
        f = fit("cormack2000_4", model)
        assert f.estimate is None and f.status == "infinite"
        assert any("no finite estimate" in note for note in f.notes)


def test_cormack_2000_selection_leaves_out_the_models_without_an_estimate():
    result = mse.estimate(table("cormack2000_4"))
    assert result.estimate is not None and result.estimate < 300
    assert all(a["estimate"] is not None for a in result.as_dict()["alternatives"])
    assert any("no finite estimate" in w for w in result.warnings)


def test_kosovo_1999_published_model_and_interval():
    """Ball et al. (2002): 10,356 killings, 95% interval 9,002 - 12,122.

    BIC over the hierarchical models with interactions of up to three lists chooses
    EXH:ABA + EXH:OSCE + EXH:HRW + ABA:OSCE + OSCE:HRW + EXH:ABA:OSCE, whose estimate is the
    published one; its profile likelihood interval is within 0.2% of the published bounds.
    """
    result = mse.estimate(table("kosovo1999"), "bic", max_order=3)
    d = result.as_dict()
    assert d["observed"] == 4400
    assert round(d["estimate"]) in (10356, 10357)
    assert d["model"] == ["EXH", "ABA", "OSCE", "HRW", "EXH:ABA", "EXH:OSCE", "EXH:HRW", "ABA:OSCE", "OSCE:HRW",
                          "EXH:ABA:OSCE"]
    assert d["lower"] == pytest.approx(9002, rel=0.002)
    assert d["upper"] == pytest.approx(12122, rel=0.002)
    # the report shows how much the answer depends on the model: close competitors disagree
    assert d["spread"]["max"] > 1.5 * d["spread"]["min"]
    assert any("fit about equally well" in w for w in d["warnings"])


def test_kosovo_1999_pairwise_models_do_not_fit_and_say_so():
    result = mse.estimate(table("kosovo1999"))  # default: pairwise interactions only
    assert result.estimate is not None and result.estimate > 12000
    assert any("fits the observed overlaps poorly" in w and "--max-order 3" in w for w in result.warnings)
