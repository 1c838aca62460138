"""A small known history for the statistics interfaces, with the figures it must give on 2025-09-18.

    key        detained     recognised   then                                         held on D (prior)
    st-a       2021-03-01   2021-03-10   letter 2025-09-01                            yes
    st-b (f)   2022-05-01   2022-06-01   no contact ever                              yes
    st-c       2021-01-10   2021-02-01   sentenced 60 months; pardoned 2025-09-11     no (released)
    st-e       2025-09-18   2025-09-18   detained on D                                yes
    st-f       2024-01-01   never        not a recognised political prisoner          only with recognition=none
    st-g       2023-01-01   2023-02-01   released 2025-09-18, sentence served         no (released on D)
"""

from __future__ import annotations

import datetime as dt

D = dt.date(2025, 9, 18)
HELD = {"st-a", "st-b", "st-e"}
HELD_NONE = HELD | {"st-f"}
NAMES = {"st-a": "Алесь Адзін", "st-b": "Барбара Два", "st-c": "Васіль Тры", "st-e": "Дзмітры Чатыры",
         "st-f": "Ева Пяць", "st-g": "Глеб Шэсць"}


def build(make_person, ngo, facility) -> dict[str, int]:
    def rec(day):
        return ("recognized", day, {"organization": ngo})

    people = [
        make_person("st-a", NAMES["st-a"], sex="m", visibility="public", events=[
            ("detained", "2021-03-01", {"facility": facility}), rec("2021-03-10"),
            ("contact", "2025-09-01", {"details": {"contact_kind": "letter"}})]),
        make_person("st-b", NAMES["st-b"], sex="f", events=[
            ("detained", "2022-05-01", {"facility": facility}), rec("2022-06-01")]),
        make_person("st-c", NAMES["st-c"], sex="m", visibility="public", events=[
            ("detained", "2021-01-10", {"facility": facility}), rec("2021-02-01"),
            ("sentenced", "2021-06-01", {"details": {"sentence_kind": "colony_general", "sentence_months": 60,
                                                     "articles": ["342:1"]}}),
            ("released", "2025-09-11", {"details": {"release_kind": "pardon", "deported": True}})]),
        make_person("st-e", NAMES["st-e"], sex="m", visibility="public", events=[
            ("detained", "2025-09-18", {"facility": facility}), rec("2025-09-18")]),
        make_person("st-f", NAMES["st-f"], sex="f", visibility="public", events=[
            ("detained", "2024-01-01", {"facility": facility})]),
        make_person("st-g", NAMES["st-g"], sex="m", visibility="public", events=[
            ("detained", "2023-01-01", {"facility": facility}), rec("2023-02-01"),
            ("released", "2025-09-18", {"details": {"release_kind": "sentence_served"}})]),
    ]
    return {p.key: p.pk for p in people}
