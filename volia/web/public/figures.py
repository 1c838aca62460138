"""The public figures: computed by the statistics engine once per data version and day, then cached.

The key figures count everybody in the registry (a figure must not change because a person's page
is not public); the lists behind them show only the people the reader may see, and say so.
Breakdowns pass through `policy.suppress_small`, so that no small group can be singled out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from volia.core import codes
from volia.security import policy
from volia.stats import engine
from volia.stats.dataset import load_dataset
from volia.web.public import cache

SINCE = engine.RECORDS_START

# code -> (label, short definition, translated); the engine's exact definition is shown beside it
KEY_FIGURES: dict[str, tuple[Any, Any]] = {
    "held": (_("Political prisoners held now"),
             _("People in custody today (criminal or administrative custody) who were recognised as political "
               "prisoners on or before today.")),
    "recognized": (_("Recognised since August 2020"),
                   _("People first recognised as political prisoners by any organisation on or after "
                     "9 August 2020.")),
    "released": (_("Released since August 2020"),
                 _("People recognised as political prisoners (at any time) who left custody with a release on "
                   "or after 9 August 2020: served, pardoned, amnestied, exchanged, acquitted...")),
    "died": (_("Died in custody since August 2020"),
             _("People recognised as political prisoners (at any time) who died in custody on or after "
               "9 August 2020.")),
}


@dataclass(frozen=True)
class PublicStats:
    day: dt.date
    figures: dict[str, int]
    definitions: dict[str, str]  # the engine's own (English) definitions
    people: dict[str, list[int]]  # person ids behind each key figure (everybody; filter before listing)
    series_start: dt.date
    series: list[int]
    years: list[dict[str, Any]]  # flows per year
    by_region: dict[str, int | None]  # held now, suppressed
    by_group: dict[str, int | None]
    by_sex: dict[str, int | None]


def today() -> dt.date:
    return timezone.localdate()


def _compute(day: dt.date) -> PublicStats:
    ds = load_dataset()
    held = engine.held_on(ds, day)
    people = {
        "held": engine.held_people(ds, day),
        "recognized": engine.flow_people(ds, SINCE, day, "recognized"),
        "released": engine.flow_people(ds, SINCE, day, "released", recognition="retroactive"),
        "died": engine.flow_people(ds, SINCE, day, "died_in_custody", recognition="retroactive"),
    }
    definitions = {
        "held": held["definition"],
        "recognized": engine.flows_definition("none") + " Counted: people whose first recognition is dated from "
                                                        f"{SINCE.isoformat()} to {day.isoformat()}.",
        "released": engine.flows_definition("retroactive") + " Counted: people with at least one release from "
                                                             f"{SINCE.isoformat()} to {day.isoformat()}.",
        "died": engine.flows_definition("retroactive") + " Counted: people who died in custody from "
                                                         f"{SINCE.isoformat()} to {day.isoformat()}.",
    }
    series = engine.series(ds, SINCE, day)["held"] if day >= SINCE else []
    years = engine.flows(ds, SINCE, day, "year", recognition="retroactive") if day >= SINCE else []

    def breakdown(name: str, table: dict[str, str]) -> dict[str, int | None]:
        counts = {c: engine.held_on(ds, day, engine.Filters.from_params({name: c}))["held"] for c in table}
        return policy.suppress_small(counts)

    return PublicStats(
        day=day, figures={k: (held["held"] if k == "held" else len(v)) for k, v in people.items()},
        definitions=definitions, people=people, series_start=SINCE, series=[int(v) for v in series],
        years=years, by_region=breakdown("region", codes.REGIONS), by_group=breakdown("group", codes.GROUPS),
        by_sex=breakdown("sex", codes.SEX))


def public_stats() -> PublicStats:
    day = today()
    result: PublicStats = cache.cached_value(f"stats:{day.isoformat()}", lambda: _compute(day), per_language=False)
    return result
