"""The registry's controlled vocabulary: event types and their details, and the code lists.

Pure Python (no Django) so that the importer, the demo generator and the statistics can all
share one definition. Every code here appears in the canonical interchange format.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- event types -------------------------------------------------------------------------


@dataclass(frozen=True)
class EventType:
    code: str
    label: str
    # detail fields this type accepts (beyond date, facility, organization, case, sources, note)
    details: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    # custody effect: "start" opens a custody episode, "end" closes one, "" none
    custody: str = ""
    notes: str = field(default="", compare=False)


EVENT_TYPES: dict[str, EventType] = {
    t.code: t
    for t in [
        EventType("detained", "Detained", ("place",), custody="start"),
        EventType("admin_detention", "Administrative detention", ("days",), custody="start",
                  notes="Short administrative arrest (e.g. under Code of Administrative Offences 24.23)."),
        EventType("charged", "Charged", ("articles",), required=("articles",)),
        EventType("pretrial_custody", "Remanded in pre-trial custody", (), custody="start"),
        EventType("house_arrest", "Placed under house arrest", (), custody="end"),
        EventType("trial_started", "Trial started", ("court",)),
        EventType("sentenced", "Sentenced", ("articles", "sentence_months", "sentence_kind", "court",
                                             "credited_days", "fine"),
                  required=("sentence_kind",)),
        EventType("appeal_decided", "Appeal decided", ("appeal_outcome", "sentence_months", "court")),
        EventType("sentence_changed", "Sentence changed", ("articles", "sentence_months", "sentence_kind"),
                  notes="E.g. extended by a new case under art. 411."),
        EventType("transferred", "Transferred", (), required=("facility",)),
        EventType("punishment_cell", "Punishment cell (SHIZO/PKT)", ("days",)),
        EventType("contact", "Contact (proof of life)", ("contact_kind",), required=("contact_kind",)),
        EventType("incommunicado", "Reported incommunicado", ()),
        EventType("health_reported", "Health reported", ("condition",)),
        EventType("recognized", "Recognised as a political prisoner", (), required=("organization",)),
        EventType("recognition_withdrawn", "Recognition withdrawn", (), required=("organization",)),
        EventType("pardon_petition", "Pardon petition", ()),
        EventType("released", "Released", ("release_kind", "deported", "documents_confiscated"),
                  required=("release_kind",), custody="end"),
        EventType("exiled", "Forced into exile", ()),
        EventType("died_in_custody", "Died in custody", (), custody="end"),
        EventType("tried_in_absentia", "Tried in absentia", ("articles", "sentence_months")),
        EventType("designated_extremist", "Designated extremist/terrorist", ()),
        EventType("rehabilitated", "Rehabilitated", ()),
    ]
}

# Same-day events are ordered so that a detention comes before what follows it and a
# release after: somebody detained and released on one day has an episode of zero nights.
EVENT_ORDER: dict[str, int] = {code: i for i, code in enumerate(EVENT_TYPES)}
for _c, _o in {"detained": -3, "admin_detention": -3, "pretrial_custody": -2,
               "released": 90, "house_arrest": 90, "died_in_custody": 91, "exiled": 92}.items():
    EVENT_ORDER[_c] = _o

RELEASE_KINDS = {
    "sentence_served": "Sentence served",
    "pardon": "Pardon",
    "amnesty": "Amnesty",
    "exchange": "Exchange / negotiated release",
    "acquitted": "Acquitted or case closed",
    "noncustodial": "Measure changed to non-custodial",
    "other": "Other",
}
EARLY_RELEASE_KINDS = frozenset({"pardon", "amnesty", "exchange"})

SENTENCE_KINDS = {
    "colony_general": "Penal colony, general regime",
    "colony_enhanced": "Penal colony, enhanced (strengthened) regime",
    "colony_strict": "Penal colony, strict regime",
    "colony_special": "Penal colony, special regime",
    "colony_settlement": "Colony-settlement",
    "prison": "Prison",
    "restricted_freedom_closed": "Restricted freedom with placement in an open-type institution ('khimiya')",
    "restricted_freedom": "Restricted freedom without placement (home)",
    "arrest": "Arrest (up to 6 months)",
    "fine": "Fine",
    "correctional_labour": "Correctional labour",
    "psychiatric": "Compulsory psychiatric treatment",
    "other": "Other",
}
CUSTODIAL_SENTENCE_KINDS = frozenset({
    "colony_general", "colony_enhanced", "colony_strict", "colony_special", "colony_settlement",
    "prison", "arrest", "psychiatric",
})

APPEAL_OUTCOMES = {"upheld": "Upheld", "reduced": "Reduced", "increased": "Increased",
                   "overturned": "Overturned"}

CONTACT_KINDS = {
    "letter": "Letter received from the person",
    "lawyer_visit": "Lawyer visit",
    "family_visit": "Family visit",
    "call": "Phone or video call",
    "court_appearance": "Seen in court",
    "other": "Other proof of contact",
}

HEALTH_CONDITIONS = {
    "serious_illness": "Serious illness",
    "disability": "Disability",
    "mental_health": "Mental health condition",
    "injury": "Injury",
    "other": "Other",
}

CONFIDENCE = {"confirmed": "Confirmed", "reported": "Reported", "disputed": "Disputed"}

SEX = {"m": "Male", "f": "Female", "x": "Other / not stated"}

REGIONS = {
    "minsk_city": "Minsk (city)",
    "minsk": "Minsk region",
    "brest": "Brest region",
    "vitebsk": "Vitebsk region",
    "gomel": "Gomel region",
    "grodno": "Grodno region",
    "mogilev": "Mogilev region",
    "abroad": "Abroad",
}

GROUPS = {
    "journalist": "Journalist or media worker",
    "lawyer": "Lawyer",
    "hrd": "Human-rights defender",
    "trade_unionist": "Trade unionist",
    "politician": "Politician or party activist",
    "cultural": "Cultural figure",
    "religious": "Religious figure",
    "student": "Student",
    "medic": "Medical worker",
    "railway_partisan": "'Rail partisan'",
    "blogger": "Blogger",
}

FACILITY_KINDS = {
    "sizo": "Pre-trial detention centre (SIZO)",
    "colony": "Penal colony",
    "prison": "Prison",
    "ivs": "Temporary detention facility (IVS / TsIP)",
    "open_institution": "Open-type correctional institution",
    "psychiatric": "Psychiatric institution",
    "other": "Other",
}

REGIMES = {
    "general": "General",
    "enhanced": "Enhanced (strengthened)",
    "strict": "Strict",
    "special": "Special",
    "settlement": "Colony-settlement",
    "women": "Women's colony (general and enhanced)",
    "juvenile": "Juvenile",
}

SOURCE_KINDS = {
    "ngo_list": "NGO list",
    "court": "Court document",
    "news": "News article",
    "family": "Family",
    "lawyer": "Lawyer",
    "ex_prisoner": "Former prisoner",
    "official": "Official statement",
    "import": "Imported file",
    "other": "Other",
}

NAME_KINDS = {
    "primary": "Primary",
    "official": "Official (documents)",
    "transliteration": "Transliteration",
    "alias": "Alias",
    "maiden": "Maiden name",
    "press": "Press spelling",
}

LANGUAGES = {"be": "Belarusian", "ru": "Russian", "en": "English", "pl": "Polish",
             "de": "German", "lt": "Lithuanian", "uk": "Ukrainian", "zh": "Chinese", "und": "Undetermined"}
