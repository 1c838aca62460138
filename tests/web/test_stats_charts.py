"""The SVG chart builders: valid XML, accessible names, links, tables, thinning of long series."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from volia.web import charts
from volia.web.charts import Category, Curve, Segment, Series

SVG = "{http://www.w3.org/2000/svg}"


def parse(fig: charts.Figure) -> ET.Element:
    root = ET.fromstring(fig.svg)  # noqa: S314 (our own markup)
    assert root.get("role") == "img"
    t, d = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == t and root.find(f"{SVG}desc").get("id") == d
    assert "style=" not in fig.svg  # the CSP allows no inline style
    return root


def test_line_chart_thins_thousands_of_days_and_keeps_the_peak():
    start = dt.date(2010, 1, 1)
    values = [i % 1000 for i in range(6000)]
    values[3333] = 5000
    fig = charts.line_chart("s", "Held", "desc", start, values, href=lambda d: f"/x?date={d}")
    root = parse(fig)
    points = root.find(f"{SVG}polyline").get("points").split()
    assert len(points) < 4 * 900
    assert "peak 5,000" in fig.svg
    links = root.findall(f"{SVG}a")
    assert 0 < len(links) <= 60
    last = start + dt.timedelta(days=5999)
    assert links[-1].get("href") == f"/x?date={last}"
    # the table: the first day, each month's last day and the last day, each linked
    assert fig.rows[-1][0].text == last.isoformat() and fig.rows[-1][1].href == f"/x?date={last}"
    assert len(fig.rows) == 1 + 197 + 1 and fig.rows[0][0].text == start.isoformat()


def test_line_chart_of_a_short_range_has_a_row_per_day():
    fig = charts.line_chart("s", "Held", "desc", dt.date(2025, 9, 1), [1, 2, 3])
    parse(fig)
    assert [r[0].text for r in fig.rows] == ["2025-09-01", "2025-09-02", "2025-09-03"]


def test_text_is_escaped():
    fig = charts.line_chart("s", 'A <b> & "c"', "<script>", dt.date(2025, 1, 1), [1, 2],
                            href=lambda d: "/x?a=1&b=2")
    root = parse(fig)
    assert root.find(f"{SVG}title").text == 'A <b> & "c"'
    assert root.find(f"{SVG}a").get("href") == "/x?a=1&b=2"


def test_bar_chart_stacks_links_and_patterns():
    series = [Series("in", "Detained"), Series("pardon", "Pardon"), Series("served", "Served")]
    cats = [Category("Sep 25", "September 2025", [[Segment("in", 5, "/in")],
                                                  [Segment("pardon", 3, "/p"), Segment("served", 0, "/s")]])]
    fig = charts.bar_chart("f", "Flows", "desc", series, cats, bar_names=("in", "out"))
    root = parse(fig)
    hrefs = [a.get("href") for a in root.iter(f"{SVG}a")]
    assert hrefs == ["/in", "/p"]  # a zero segment draws nothing
    assert len(root.findall(f"{SVG}defs/{SVG}pattern")) == 3
    assert fig.columns == ["", "Detained", "Pardon", "Served"]
    assert [c.text for c in fig.rows[0]] == ["September 2025", "5", "3", "0"]
    assert fig.rows[0][1].href == "/in" and fig.rows[0][3].href == ""


def test_histogram():
    fig = charts.histogram("h", "Left", "desc", [("0–89", 3, "/a"), ("90–179", 0, "/b")], x_label="Days")
    parse(fig)
    assert fig.columns == ["Days", "People"]
    assert [[c.text for c in r] for r in fig.rows] == [["0–89", "3"], ["90–179", "0"]]


def test_step_chart_labels_curves_directly_and_reads_them_in_the_table():
    curves = [Curve("detained 2021", [(0, 1.0), (100, 0.8), (400, 0.4)], "/y2021"),
              Curve("detained 2022", [(0, 1.0), (50, 0.9)])]
    fig = charts.step_chart("k", "KM", "desc", curves, reference=0.5, table_days=(30, 90, 365, 1000))
    root = parse(fig)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "detained 2021" in texts and "detained 2022" in texts
    assert [a.get("href") for a in root.iter(f"{SVG}a")] == ["/y2021"]
    assert [c.text for c in fig.rows[0]] == ["detained 2021", "100.0%", "100.0%", "80.0%", ""]
    assert [c.text for c in fig.rows[1]] == ["detained 2022", "100.0%", "", "", ""]
    # different dashes, not only colours
    dashes = {p.get("stroke-dasharray") for p in root.iter(f"{SVG}path")}
    assert len(dashes) == 2


def test_empty_data_still_draws():
    parse(charts.line_chart("e", "t", "d", dt.date(2025, 1, 1), []))
    parse(charts.bar_chart("e", "t", "d", [Series("a", "A")], []))
    parse(charts.step_chart("e", "t", "d", []))


def test_ticks():
    assert charts.nice_ticks(1184) == [0, 250, 500, 750, 1000, 1250]
    assert charts.nice_ticks(0) == [0.0, 1.0]
    years = charts.date_ticks(dt.date(2010, 1, 1), dt.date(2026, 6, 1))
    assert years[0] == (dt.date(2010, 1, 1), "2010")
    months = charts.date_ticks(dt.date(2025, 1, 15), dt.date(2025, 9, 18))
    assert months[0][0] == dt.date(2025, 2, 1) and len(months) <= 10
