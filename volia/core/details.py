"""Per-event-type details: parse and validate them the same way everywhere.

The importer calls `clean_details` with the text of a file's cells, the service layer with
Python values; both get back typed values and a list of problems, each naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from volia.core import codes

INT_FIELDS = {"days": (0, 3650), "sentence_months": (0, 12 * 60), "credited_days": (0, 36500),
              "fine": (0, 10**9)}
BOOL_FIELDS = {"deported", "documents_confiscated"}
CODE_FIELDS = {
    "sentence_kind": codes.SENTENCE_KINDS,
    "release_kind": codes.RELEASE_KINDS,
    "contact_kind": codes.CONTACT_KINDS,
    "condition": codes.HEALTH_CONDITIONS,
    "appeal_outcome": codes.APPEAL_OUTCOMES,
}
TEXT_FIELDS = {"place", "court"}
# the columns that are not details but may sit on any row
EVENT_LEVEL = ("facility", "organization", "case")

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f"}
_ARTICLE = re.compile(r"^(\d{1,3}(?:-\d{1,2})?)(?::(\d{1,2}))?$")


@dataclass(frozen=True)
class Problem:
    field: str
    value: str
    reason: str


def parse_articles(text: str) -> tuple[list[str], list[Problem]]:
    """`342:1;361-1` → ["342:1", "361-1"]; also accepts `,` and `ч.`/`part` forms."""
    out: list[str] = []
    problems: list[Problem] = []
    for raw in re.split(r"[;,]", text):
        item = raw.strip()
        if not item:
            continue
        norm = re.sub(r"\s*(?:ч\.|part|p\.|ч)\s*", ":", item, flags=re.IGNORECASE).replace(" ", "")
        norm = norm.replace("::", ":")
        if not _ARTICLE.match(norm):
            problems.append(Problem("articles", item, "not an article: expected NUMBER or NUMBER:PART, "
                                    "e.g. 342:1 or 361-1"))
        elif norm not in out:
            out.append(norm)
    return out, problems


def split_article(text: str) -> tuple[str, int | None]:
    number, _, part = text.partition(":")
    return number, int(part) if part else None


def clean_details(event_type: str, raw: dict[str, object]) -> tuple[dict[str, object], list[Problem]]:
    """Validate the detail values given for one event type; empty values are dropped."""
    et = codes.EVENT_TYPES[event_type]
    details: dict[str, object] = {}
    problems: list[Problem] = []
    for name, value in raw.items():
        if value is None or value == "" or value == []:
            continue
        text = value if isinstance(value, str) else str(value)
        if name not in et.details:
            problems.append(Problem(name, text, f"'{event_type}' events do not take {name}"))
            continue
        if name in INT_FIELDS:
            lo, hi = INT_FIELDS[name]
            try:
                n = value if isinstance(value, int) and not isinstance(value, bool) else int(text.strip())
            except ValueError:
                problems.append(Problem(name, text, "not a whole number"))
                continue
            if not lo <= n <= hi:
                problems.append(Problem(name, text, f"out of range ({lo}..{hi})"))
                continue
            details[name] = n
        elif name in BOOL_FIELDS:
            if isinstance(value, bool):
                details[name] = value
            elif text.strip().lower() in _TRUE:
                details[name] = True
            elif text.strip().lower() in _FALSE:
                details[name] = False
            else:
                problems.append(Problem(name, text, "not a yes/no value (true/false, yes/no, 1/0)"))
        elif name in CODE_FIELDS:
            code = text.strip()
            if code not in CODE_FIELDS[name]:
                problems.append(Problem(name, text, f"unknown {name} code; one of: "
                                        + ", ".join(CODE_FIELDS[name])))
            else:
                details[name] = code
        elif name == "articles":
            if isinstance(value, list):
                text = ";".join(str(v) for v in value)
            arts, arts_problems = parse_articles(text)
            problems.extend(arts_problems)
            if arts:
                details[name] = arts
        else:
            details[name] = text.strip()
    for name in et.required:
        if name not in EVENT_LEVEL and name not in details and not any(p.field == name for p in problems):
            problems.append(Problem(name, "", f"required for '{event_type}' events"))
    return details, problems
