"""Plain-text report of an estimate: the number, the model behind it, the alternatives, the caveats."""

from __future__ import annotations

import textwrap
from typing import Any


def _n(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _f(x: float | None, digits: int = 1) -> str:
    return "—" if x is None else f"{x:,.{digits}f}"


def _interval(a: dict[str, Any]) -> str:
    if a.get("estimate") is None:
        return ""
    upper = _n(a.get("upper")) if a.get("upper") is not None else "no bound"
    return f"{_n(a.get('lower'))} – {upper}"


def render(result: dict[str, Any], title: str = "") -> str:
    """The text form of `Estimate.as_dict()` (or of one stratum of a registry estimate)."""
    out: list[str] = []
    w = out.append
    if title:
        w(title)
        w("=" * len(title))
    sizes = result["list_sizes"]
    w(f"lists ({len(sizes)}): " + ", ".join(f"{name} ({size:,})" for name, size in sizes.items()))
    w(f"observed: {result['observed']:,} people on at least one list")
    level = f"{result['level']:.0%}"
    if result["estimate"] is None:
        w("estimate: none: these data give no finite estimate (see the warnings)")
    else:
        upper = _n(result["upper"]) if result["upper"] is not None else "no upper bound"
        w(f"estimate: {_n(result['estimate'])} in all ({level} interval {_n(result['lower'])} – {upper}, "
          f"{result['interval']})")
        w(f"          of whom about {_n(result['unobserved'])} are on none of the lists")
        w(f"model:    {result['model_name']}")
        w(f"chosen:   {result['selection']['how']}")
    if result.get("bootstrap"):
        b = result["bootstrap"]
        w(f"bootstrap: {b['replicates']} replicates (seed {b['seed']}), {b['without_estimate']} without a finite "
          "estimate")
    alts = result.get("alternatives") or []
    if alts:
        w("")
        spread = result.get("spread")
        w(f"models compared (ordered by {result['selection']['ordered_by']}; * = chosen; every model has one "
          "main effect per list, plus the interactions named)")
        if spread:
            w(f"the estimates in this table range from {_n(spread['min'])} to {_n(spread['max'])}")
        header = ("", "interactions", "df", "deviance", "AIC", "BIC", "estimate", f"{level} interval")
        rows = [header]
        for a in alts:
            est = _n(a["estimate"]) if a["estimate"] is not None else a["status"]
            rows.append(("*" if a.get("chosen") else "", a["name"], str(a["df"]), _f(a["deviance"]),
                         _f(a["aic"]), _f(a["bic"]), est, _interval(a)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        widths[1] = min(widths[1], 60)
        for r in rows:
            name_lines = textwrap.wrap(r[1], widths[1]) or [""]
            first = [r[0].ljust(widths[0]), name_lines[0].ljust(widths[1]),
                     *(c.rjust(widths[i + 2]) for i, c in enumerate(r[2:]))]
            w("  " + "  ".join(first).rstrip())
            for more in name_lines[1:]:
                w("  " + " " * widths[0] + "  " + more)
    if result["warnings"]:
        w("")
        w("warnings:")
        for text in result["warnings"]:
            w(textwrap.fill(text, 100, initial_indent="  - ", subsequent_indent="    "))
    return "\n".join(out)


def render_assumptions(assumptions: list[str]) -> str:
    lines = ["assumptions (the estimate is only as good as these):"]
    lines += [textwrap.fill(a, 100, initial_indent="  - ", subsequent_indent="    ") for a in assumptions]
    return "\n".join(lines)
