"""Charts as inline SVG, drawn on the server: no JavaScript, no library, no request anywhere.

Each builder returns a ``Figure``: the SVG markup (every text escaped here, so a template may
insert it as it is) and the same numbers as a plain table, so that no figure exists only as a
picture. Charts are readable without colour: series differ by fill pattern or dash as well as
by colour, and lines and curves carry their labels directly. A bar or point that stands for a
figure is a link (``<a href>`` inside the SVG) to the list of people behind it.

Colours and patterns are SVG presentation attributes, not style attributes, so they survive a
Content-Security-Policy without 'unsafe-inline' and the SVG also renders on its own.

Pure Python: the web pages use it today; a published static site could use it tomorrow.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', sans-serif"
TEXT = "#1b1b1b"
MUTED = "#555555"
GRID = "#d0d4da"
LINE = "#0a4d8c"
# Okabe-Ito, distinguishable with the common colour-vision deficiencies; the patterns below
# separate the series again for anybody who cannot tell the colours apart at all.
PALETTE = ("#2b4b6f", "#d55e00", "#009e73", "#e69f00", "#56b4e9", "#cc79a7", "#8c7a00", "#555555", "#000000")
PATTERNS = ("solid", "diagonal", "dots", "crosshatch", "horizontal", "backdiagonal", "vertical", "grid", "sparse")
DASHES = ("", "8 4", "2 3", "10 3 2 3", "4 4", "12 3 3 3 3 3", "1 5", "6 2")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def number(n: float | int | None) -> str:
    """1184 → "1,184"; None → "—"."""
    if n is None:
        return "—"
    if isinstance(n, float) and not n.is_integer():
        return f"{n:,.1f}"
    return f"{int(n):,}"


# --- the figure and its table ---------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    numeric: bool = False


def num(value: float | int | None, href: str = "") -> Cell:
    return Cell(number(value), href if value else "", numeric=True)


@dataclass
class Figure:
    id: str
    title: str
    desc: str
    svg: str
    columns: list[str]
    rows: list[list[Cell]]
    note: str = ""


# --- scales and ticks -----------------------------------------------------------------------


def nice_ticks(hi: float, count: int = 5) -> list[float]:
    """Round whole tick values from 0 to at least ``hi``: 0, 250, 500... (hi ≤ 0 gives 0 and 1)."""
    if hi <= 0:
        return [0.0, 1.0]
    raw = hi / count
    mag = 10 ** math.floor(math.log10(raw))
    # counts and days: never a tick between two whole numbers
    step = max(next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), 1)
    n = math.ceil(hi / step - 1e-9)
    return [i * step for i in range(n + 1)]


def date_ticks(start: dt.date, end: dt.date, max_ticks: int = 10) -> list[tuple[dt.date, str]]:
    """Tick dates with labels: years for a long range, then quarters, months, weeks or days."""
    days = (end - start).days
    ticks: list[tuple[dt.date, str]] = []
    if days > 3 * 365:
        step = max(1, math.ceil((end.year - start.year + 1) / max_ticks))
        for y in range(start.year + (start > dt.date(start.year, 1, 1)), end.year + 1, step):
            ticks.append((dt.date(y, 1, 1), str(y)))
        return ticks
    if days > 62:
        months_in = (end.year - start.year) * 12 + end.month - start.month + 1
        step = next(s for s in (1, 2, 3, 6, 12) if months_in / s <= max_ticks)
        y, m = start.year, start.month
        if start.day > 1:
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        while dt.date(y, m, 1) <= end:
            if (m - 1) % step == 0:
                d = dt.date(y, m, 1)
                ticks.append((d, str(y) if m == 1 else f"{MONTHS[m - 1]} {y}" if not ticks else MONTHS[m - 1]))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return ticks
    step = max(1, math.ceil((days + 1) / max_ticks))
    d = start
    while d <= end:
        ticks.append((d, f"{d.day} {MONTHS[d.month - 1]}"))
        d += dt.timedelta(days=step)
    return ticks


def short_date(d: dt.date) -> str:
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


# --- SVG pieces -----------------------------------------------------------------------------


@dataclass
class _Canvas:
    fig_id: str
    title: str
    desc: str
    width: int
    height: int
    parts: list[str] = field(default_factory=list)

    def add(self, markup: str) -> None:
        self.parts.append(markup)

    def text(self, x: float, y: float, content: str, *, anchor: str = "start", cls: str = "",
             fill: str = TEXT, size: int = 12, weight: str = "") -> None:
        extra = f' class="{cls}"' if cls else ""
        extra += f' font-weight="{weight}"' if weight else ""
        self.add(f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{extra}>'
                 f"{esc(content)}</text>")

    def markup(self, defs: str = "") -> str:
        t, d = f"{self.fig_id}-title", f"{self.fig_id}-desc"
        return (f'<svg xmlns="{SVG_NS}" class="chart" id="{esc(self.fig_id)}" role="img" '
                f'aria-labelledby="{t} {d}" viewBox="0 0 {self.width} {self.height}" '
                f'width="{self.width}" height="{self.height}" preserveAspectRatio="xMinYMin meet" '
                f'font-family="{esc(FONT)}" font-size="12">'
                f'<title id="{t}">{esc(self.title)}</title><desc id="{d}">{esc(self.desc)}</desc>'
                + (f"<defs>{defs}</defs>" if defs else "") + "".join(self.parts) + "</svg>")


def _link(href: str, inner: str, tip: str) -> str:
    """A link around a mark, with a tooltip; without an href the mark stands alone."""
    tip_el = f"<title>{esc(tip)}</title>" if tip else ""
    if not href:
        return f"<g>{tip_el}{inner}</g>"
    return f'<a href="{esc(href)}">{tip_el}{inner}</a>'


def patterns(fig_id: str, count: int) -> str:
    """<pattern> definitions, one per series: a colour with a white texture over it."""
    out = []
    for i in range(count):
        colour, kind = PALETTE[i % len(PALETTE)], PATTERNS[i % len(PATTERNS)]
        marks = {
            "solid": "",
            "diagonal": '<path d="M-2 2 L2 -2 M0 8 L8 0 M6 10 L10 6" stroke="#fff" stroke-width="1.6"/>',
            "backdiagonal": '<path d="M-2 6 L2 10 M0 0 L8 8 M6 -2 L10 2" stroke="#fff" stroke-width="1.6"/>',
            "dots": '<circle cx="2" cy="2" r="1.4" fill="#fff"/><circle cx="6" cy="6" r="1.4" fill="#fff"/>',
            "crosshatch": '<path d="M0 0 L8 8 M8 0 L0 8" stroke="#fff" stroke-width="1.2"/>',
            "horizontal": '<path d="M0 2 H8 M0 6 H8" stroke="#fff" stroke-width="1.4"/>',
            "vertical": '<path d="M2 0 V8 M6 0 V8" stroke="#fff" stroke-width="1.4"/>',
            "grid": '<path d="M0 4 H8 M4 0 V8" stroke="#fff" stroke-width="1.2"/>',
            "sparse": '<circle cx="4" cy="4" r="1.8" fill="#fff"/>',
        }[kind]
        out.append(f'<pattern id="{fig_id}-p{i}" width="8" height="8" patternUnits="userSpaceOnUse">'
                   f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>')
    return "".join(out)


def _fill(fig_id: str, i: int) -> str:
    return f"url(#{fig_id}-p{i})"


def _y_axis(c: _Canvas, ticks: list[float], y_of: Callable[[float], float], left: float, right: float,
            fmt: Callable[[float], str] = number) -> None:
    for v in ticks:
        y = y_of(v)
        c.add(f'<line x1="{left:.1f}" x2="{right:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" '
              'stroke-width="1"/>')
        c.text(left - 6, y + 4, fmt(v), anchor="end", fill=MUTED, size=11)


def _legend(c: _Canvas, items: Sequence[tuple[str, str]], x: float, y: float, max_x: float) -> float:
    """Swatches with labels, wrapped onto new lines; returns the y below the legend."""
    cx = x
    for fill, label in items:
        w = 16 + 6 + 6.6 * len(label) + 14
        if cx + w > max_x and cx > x:
            cx, y = x, y + 20
        c.add(f'<rect x="{cx:.1f}" y="{y - 11:.1f}" width="16" height="14" fill="{fill}" stroke="{TEXT}" '
              f'stroke-width="0.75"/>')
        c.text(cx + 22, y, label, size=12)
        cx += w
    return y + 20


# --- line chart of a daily series -----------------------------------------------------------


def line_chart(fig_id: str, title: str, desc: str, start: dt.date, values: Sequence[int], *,
               href: Callable[[dt.date], str] | None = None, value_label: str = "held",
               width: int = 900, height: int = 320, targets: int = 60) -> Figure:
    """One value per day from ``start``. The line keeps each pixel column's lowest and highest
    value, so peaks survive thinning thousands of days down to a few hundred points; up to
    ``targets`` invisible columns link to the people behind the value at the column's last day.
    """
    n = len(values)
    end = start + dt.timedelta(days=max(n - 1, 0))
    left, right, top, bottom = 64, width - 70, 16, height - 34
    plot_w, plot_h = right - left, bottom - top
    ticks = nice_ticks(max(values, default=0))
    y_max = ticks[-1]

    def x_of(i: float) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y_of(v: float) -> float:
        return bottom - plot_h * v / y_max

    c = _Canvas(fig_id, title, desc, width, height)
    _y_axis(c, ticks, y_of, left, right)
    for d, label in date_ticks(start, end):
        x = x_of((d - start).days)
        c.add(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="{MUTED}"/>')
        c.text(x, bottom + 18, label, anchor="middle", fill=MUTED, size=11)
    c.add(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    if n:
        c.add(f'<polyline fill="none" stroke="{LINE}" stroke-width="2" stroke-linejoin="round" '
              f'points="{_thin_points(values, x_of, y_of)}"/>')
        last = values[-1]
        c.add(f'<circle cx="{x_of(n - 1):.1f}" cy="{y_of(last):.1f}" r="3.5" fill="{LINE}"/>')
        c.text(x_of(n - 1) + 6, y_of(last) + 4, number(last), weight="600")
        peak = max(range(n), key=lambda i: values[i])
        if peak != n - 1 and values[peak] > 0:
            c.add(f'<circle cx="{x_of(peak):.1f}" cy="{y_of(values[peak]):.1f}" r="3" fill="#fff" '
                  f'stroke="{LINE}" stroke-width="1.5"/>')
            c.text(x_of(peak), y_of(values[peak]) - 7, f"peak {number(values[peak])}", anchor="middle", size=11)
    if href and n:
        cols = min(targets, n)
        for k in range(cols):
            i0, i1 = k * n // cols, (k + 1) * n // cols - 1
            x0 = x_of(i0 - 0.5) if i0 else left
            x1 = x_of(i1 + 0.5) if i1 < n - 1 else right
            day = start + dt.timedelta(days=i1)
            rect = (f'<rect x="{x0:.1f}" y="{top}" width="{max(x1 - x0, 0.5):.1f}" height="{plot_h}" '
                    f'fill="#fff" fill-opacity="0" class="hit"/>')
            c.add(_link(href(day), rect, f"{short_date(day)}: {number(values[i1])} {value_label}"))
    rows = [[Cell(d.isoformat()), num(values[(d - start).days], href(d) if href else "")]
            for d in (_table_days(start, end) if n else [])]
    note = ("One row per day." if n <= 120 else
            "The first day, the last day of each month and the last day of the range; the chart draws every day.")
    return Figure(fig_id, title, desc, c.markup(), ["Date", value_label.capitalize()], rows, note)


def _thin_points(values: Sequence[int], x_of: Callable[[float], float], y_of: Callable[[float], float]) -> str:
    out: list[str] = []
    col: int | None = None
    lo = hi = 0
    first = last = 0

    def flush() -> None:
        picks = sorted({first, lo, hi, last})
        out.extend(f"{x_of(i):.1f},{y_of(values[i]):.1f}" for i in picks)

    for i, v in enumerate(values):
        px = int(x_of(i))
        if px != col:
            if col is not None:
                flush()
            col, lo, hi, first = px, i, i, i
        if v < values[lo]:
            lo = i
        if v > values[hi]:
            hi = i
        last = i
    if col is not None:
        flush()
    return " ".join(out)


def _table_days(start: dt.date, end: dt.date) -> list[dt.date]:
    if (end - start).days < 120:
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    days = []
    y, m = start.year, start.month
    while True:
        y2, m2 = (y + 1, 1) if m == 12 else (y, m + 1)
        month_end = dt.date(y2, m2, 1) - dt.timedelta(days=1)
        if month_end >= end:
            break
        days.append(month_end)
        y, m = y2, m2
    return [start, *(d for d in days if d != start), end]


# --- bar charts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    key: str
    label: str


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    href: str = ""


@dataclass(frozen=True)
class Category:
    label: str           # on the axis, e.g. "2025-09"
    tip: str             # in the tooltip and table, e.g. "September 2025"
    bars: Sequence[Sequence[Segment]]  # grouped bars side by side, each a stack of segments


def bar_chart(fig_id: str, title: str, desc: str, series: Sequence[Series], categories: Sequence[Category], *,
              bar_names: Sequence[str] = (), width: int = 900, height: int = 340,
              x_label: str = "", gap: float = 0.25, totals: bool = True, legend: bool = True) -> Figure:
    """Stacked bars, optionally grouped (e.g. inflow beside outflow) in each category.

    ``bar_names`` names the bars of a group ("in", "out") under each group when there is room.
    The table has one row per category and one column per series.
    """
    index = {s.key: i for i, s in enumerate(series)}
    stack_max = max((sum(s.value for s in bar) for cat in categories for bar in cat.bars), default=0)
    ticks = nice_ticks(stack_max)
    y_max = ticks[-1]
    c = _Canvas(fig_id, title, desc, width, 0)
    legend_y = _legend(c, [(_fill(fig_id, i), s.label) for i, s in enumerate(series)], 64, 16, width - 10) \
        if legend else 10
    left, right, top = 64, width - 16, math.ceil(legend_y) + 6
    bottom = top + height - 60
    c.height = bottom + (38 if x_label else 24)
    plot_h = bottom - top

    def y_of(v: float) -> float:
        return bottom - plot_h * v / y_max

    _y_axis(c, ticks, y_of, left, right)
    n = max(len(categories), 1)
    slot = (right - left) / n
    per_group = max((len(cat.bars) for cat in categories), default=1)
    bar_w = max(slot * (1 - gap) / per_group, 0.5)
    label_every = max(1, math.ceil(n * 60 / (right - left)))  # about 60 px per label
    show_totals = totals and slot / per_group >= 22
    for k, cat in enumerate(categories):
        x0 = left + slot * k + slot * gap / 2
        for b, bar in enumerate(cat.bars):
            x = x0 + b * bar_w
            y = float(bottom)
            total = 0
            for seg in bar:
                if seg.value <= 0:
                    continue
                h = plot_h * seg.value / y_max
                y -= h
                total += seg.value
                label = series[index[seg.series]].label
                rect = (f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                        f'fill="{_fill(fig_id, index[seg.series])}" stroke="{TEXT}" stroke-width="0.5"/>')
                c.add(_link(seg.href, rect, f"{cat.tip}: {label}: {number(seg.value)}"))
            if show_totals and total:
                c.text(x + bar_w / 2, y - 4, number(total), anchor="middle", size=10)
            if bar_names and b < len(bar_names) and slot >= 44 and per_group > 1:
                c.text(x + bar_w / 2, bottom + 11, bar_names[b], anchor="middle", fill=MUTED, size=9)
        if k % label_every == 0:
            ly = bottom + (23 if bar_names and slot >= 44 and per_group > 1 else 15)
            c.text(left + slot * (k + 0.5), ly, cat.label, anchor="middle", fill=MUTED, size=11)
    c.add(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    if x_label:
        c.text((left + right) / 2, c.height - 4, x_label, anchor="middle", fill=MUTED, size=11)
    rows = []
    for cat in categories:
        cells: dict[str, Cell] = {}
        for bar in cat.bars:
            for seg in bar:
                cells[seg.series] = num(seg.value, seg.href)
        rows.append([Cell(cat.tip), *(cells.get(s.key, num(0)) for s in series)])
    return Figure(fig_id, title, desc, c.markup(patterns(fig_id, len(series))), ["", *(s.label for s in series)],
                  rows)


def histogram(fig_id: str, title: str, desc: str, bins: Sequence[tuple[str, int, str]], *,
              value_label: str = "People", x_label: str = "", width: int = 900, height: int = 300) -> Figure:
    """Bins as (label, count, href), drawn as adjoining bars."""
    series = [Series("count", value_label)]
    cats = [Category(label, label, [[Segment("count", count, href)]]) for label, count, href in bins]
    fig = bar_chart(fig_id, title, desc, series, cats, width=width, height=height, x_label=x_label, gap=0.04,
                    legend=False)
    fig.columns = [x_label or "Bin", value_label]
    return fig


# --- step curves: survival and cumulative incidence -----------------------------------------


@dataclass(frozen=True)
class Curve:
    label: str
    points: Sequence[tuple[float, float]]  # (day, value in 0..1), a step function from the left
    href: str = ""


def step_chart(fig_id: str, title: str, desc: str, curves: Sequence[Curve], *, x_label: str = "Days",
               y_label: str = "", value_name: str = "Share", reference: float | None = None,
               table_days: Sequence[int] = (30, 90, 180, 365, 730, 1095, 1825, 3650),
               width: int = 900, height: int = 360) -> Figure:
    """Step functions on one chart, each with its own dash and its label at its end.

    ``reference`` draws a dotted level (0.5 for a median). The table reads every curve at
    ``table_days`` (a blank cell where the curve has no data that far).
    """
    left, right, top, bottom = 64, width - 110, 18, height - 40
    plot_w, plot_h = right - left, bottom - top
    x_max = max((p[0] for cv in curves for p in cv.points), default=0) or 1
    x_ticks = [t for t in nice_ticks(x_max, 8) if t <= x_max * 1.0001] or [0.0]
    x_top = max(x_max, x_ticks[-1])

    def x_of(d: float) -> float:
        return left + plot_w * d / x_top

    def y_of(v: float) -> float:
        return bottom - plot_h * v

    c = _Canvas(fig_id, title, desc, width, height)
    _y_axis(c, [i / 4 for i in range(5)], y_of, left, right, fmt=lambda v: f"{v:.0%}")
    for t in x_ticks:
        x = x_of(t)
        c.add(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{bottom}" y2="{bottom + 5}" stroke="{MUTED}"/>')
        c.text(x, bottom + 18, number(t), anchor="middle", fill=MUTED, size=11)
    c.add(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    c.text((left + right) / 2, height - 6, x_label, anchor="middle", fill=MUTED, size=11)
    if y_label:
        c.text(8, top - 4 if top > 14 else 12, y_label, fill=MUTED, size=11)
    if reference is not None:
        y = y_of(reference)
        c.add(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{TEXT}" stroke-width="1" '
              f'stroke-dasharray="1 3"/>')
    placed: list[tuple[float, float, float]] = []  # (x0, x1, y) of the labels drawn so far
    for i, cv in enumerate(curves):
        if not cv.points:
            continue
        colour, dash = PALETTE[i % len(PALETTE)], DASHES[i % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        c.add(f'<path d="{_step_path(cv.points, x_of, y_of)}" fill="none" stroke="{colour}" stroke-width="2"'
              f"{dash_attr}/>")
        end_x, end_v = cv.points[-1]
        # the label sits at the end of its curve, on a white halo so that lines under it stay readable
        x = min(x_of(end_x) + 5, right + 5)
        w = 7.2 * len(cv.label) + 4
        y = y_of(end_v) + 4
        if x + w > width - 2:  # too long for the margin: above the end of the curve instead
            x, y = width - 2 - w, y - 12
        y = _free_y(y, x, x + w, placed, top + 8, bottom + 4)
        placed.append((x, x + w, y))
        label = (f'<text x="{x:.1f}" y="{y:.1f}" fill="{colour}" font-size="12" font-weight="600" '
                 f'stroke="#fff" stroke-width="3" paint-order="stroke">{esc(cv.label)}</text>')
        c.add(_link(cv.href, label, f"{cv.label}: {value_name.lower()} {end_v:.0%} on day {number(end_x)}"))
    rows = []
    for cv in curves:
        cells = [Cell(cv.label, cv.href)]
        for day in table_days:
            v = _at(cv.points, day)
            cells.append(Cell("" if v is None else f"{v:.1%}", numeric=True))
        rows.append(cells)
    return Figure(fig_id, title, desc, c.markup(), ["", *(f"Day {number(d)}" for d in table_days)], rows,
                  f"{value_name} on the given day since detention; blank where the data end earlier.")


def _step_path(points: Sequence[tuple[float, float]], x_of: Callable[[float], float],
               y_of: Callable[[float], float]) -> str:
    # one vertical drop per pixel column at most: the curve looks the same, the path stays small
    parts = [f"M{x_of(points[0][0]):.1f},{y_of(points[0][1]):.1f}"]
    last_px, last_y = x_of(points[0][0]), y_of(points[0][1])
    for day, v in points[1:]:
        x, y = x_of(day), y_of(v)
        if abs(y - last_y) < 0.05:
            continue
        if x - last_px < 0.5:
            parts.append(f"V{y:.1f}")
        else:
            parts.append(f"H{x:.1f}V{y:.1f}")
            last_px = x
        last_y = y
    end_x = x_of(points[-1][0])
    if end_x > last_px:
        parts.append(f"H{end_x:.1f}")
    return "".join(parts)


def _free_y(y: float, x0: float, x1: float, placed: Sequence[tuple[float, float, float]],
            low: float, high: float, gap: float = 13) -> float:
    """The y nearest to ``y`` (within [low, high]) where a label over [x0, x1] overlaps no placed label."""
    for k in range(40):
        shift = (k + 1) // 2 * gap * (1 if k % 2 else -1)
        candidate = min(max(y + shift, low), high)
        if not any(a < x1 and x0 < b and abs(candidate - py) < gap for a, b, py in placed):
            return candidate
    return y


def _at(points: Sequence[tuple[float, float]], day: float) -> float | None:
    if not points or day > points[-1][0]:
        return None
    value = None
    for d, v in points:
        if d > day:
            break
        value = v
    return value
