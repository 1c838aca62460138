import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from volia.core.dates import PartialDate, PartialDateError, Precision


@pytest.mark.parametrize(("text", "precision", "earliest", "latest"), [
    ("2021", Precision.YEAR, dt.date(2021, 1, 1), dt.date(2021, 12, 31)),
    ("2021-03", Precision.MONTH, dt.date(2021, 3, 1), dt.date(2021, 3, 31)),
    ("2024-02", Precision.MONTH, dt.date(2024, 2, 1), dt.date(2024, 2, 29)),
    ("2025-09-11", Precision.DAY, dt.date(2025, 9, 11), dt.date(2025, 9, 11)),
])
def test_parse(text, precision, earliest, latest):
    d = PartialDate.parse(text)
    assert (d.precision, d.earliest, d.latest) == (precision, earliest, latest)
    assert str(d) == text


@pytest.mark.parametrize("text", ["2025-02-30", "2023-02-29", "2021-13", "2021-00-10", "21-03-01", "March 2021",
                                  "", "2021-03-01T10:00", "0999"])
def test_rejects_impossible_or_malformed(text):
    with pytest.raises(PartialDateError):
        PartialDate.parse(text)


def test_error_names_the_problem():
    with pytest.raises(PartialDateError, match="2025-02 has 28 days"):
        PartialDate.parse("2025-02-30")


def test_definitely_before_respects_uncertainty():
    march = PartialDate.parse("2021-03")
    assert PartialDate.parse("2021-02-28").definitely_before(march)
    assert not PartialDate.parse("2021-03-10").definitely_before(march)
    assert not march.definitely_before(PartialDate.parse("2021-03-10"))


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
       st.sampled_from(list(Precision)))
def test_round_trip_through_storage(day, precision):
    d = {Precision.DAY: PartialDate.exact(day),
         Precision.MONTH: PartialDate.from_parts(day.year, day.month),
         Precision.YEAR: PartialDate.from_parts(day.year)}[precision]
    assert PartialDate.parse(str(d)) == d
    assert PartialDate.from_stored(d.precision.value, d.earliest) == d
    assert d.earliest <= day <= d.latest

