"""The code lists of `volia.core.codes` as the public reads them, translated (be, ru, en).

`volia.core.codes` is pure Python shared with the importer and the engine, so its English labels
stay there; the portal shows these lazily translated ones instead. A test checks that every code
has a label here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STATUS = {
    "held": _("Held"),
    "house_arrest": _("House arrest"),
    "released": _("Released"),
    "exile": _("In exile"),
    "deceased": _("Deceased"),
    "unknown": _("Unknown"),
}

EVENT_TYPES = {
    "detained": _("Detained"),
    "admin_detention": _("Administrative detention"),
    "charged": _("Charged"),
    "pretrial_custody": _("Remanded in pre-trial custody"),
    "house_arrest": _("Placed under house arrest"),
    "trial_started": _("Trial started"),
    "sentenced": _("Sentenced"),
    "appeal_decided": _("Appeal decided"),
    "sentence_changed": _("Sentence changed"),
    "transferred": _("Transferred"),
    "punishment_cell": _("Punishment cell (SHIZO/PKT)"),
    "contact": _("Contact (proof of life)"),
    "incommunicado": _("Reported incommunicado"),
    "health_reported": _("Health reported"),
    "recognized": _("Recognised as a political prisoner"),
    "recognition_withdrawn": _("Recognition withdrawn"),
    "pardon_petition": _("Pardon petition"),
    "released": _("Released"),
    "exiled": _("Forced into exile"),
    "died_in_custody": _("Died in custody"),
    "tried_in_absentia": _("Tried in absentia"),
    "designated_extremist": _("Designated extremist/terrorist"),
    "rehabilitated": _("Rehabilitated"),
}

RELEASE_KINDS = {
    "sentence_served": _("Sentence served"),
    "pardon": _("Pardon"),
    "amnesty": _("Amnesty"),
    "exchange": _("Exchange / negotiated release"),
    "acquitted": _("Acquitted or case closed"),
    "noncustodial": _("Measure changed to non-custodial"),
    "other": _("Other"),
}

SENTENCE_KINDS = {
    "colony_general": _("Penal colony, general regime"),
    "colony_enhanced": _("Penal colony, enhanced regime"),
    "colony_strict": _("Penal colony, strict regime"),
    "colony_special": _("Penal colony, special regime"),
    "colony_settlement": _("Colony-settlement"),
    "prison": _("Prison"),
    "restricted_freedom_closed": _("Restricted freedom in an open-type institution ('khimiya')"),
    "restricted_freedom": _("Restricted freedom at home"),
    "arrest": _("Arrest (up to 6 months)"),
    "fine": _("Fine"),
    "correctional_labour": _("Correctional labour"),
    "psychiatric": _("Compulsory psychiatric treatment"),
    "other": _("Other"),
}

APPEAL_OUTCOMES = {"upheld": _("Upheld"), "reduced": _("Reduced"), "increased": _("Increased"),
                   "overturned": _("Overturned")}

CONTACT_KINDS = {
    "letter": _("Letter received from the person"),
    "lawyer_visit": _("Lawyer visit"),
    "family_visit": _("Family visit"),
    "call": _("Phone or video call"),
    "court_appearance": _("Seen in court"),
    "other": _("Other proof of contact"),
}

CONFIDENCE = {"confirmed": _("Confirmed"), "reported": _("Reported"), "disputed": _("Disputed")}

SEX = {"m": _("Male"), "f": _("Female"), "x": _("Other / not stated")}

REGIONS = {
    "minsk_city": _("Minsk (city)"),
    "minsk": _("Minsk region"),
    "brest": _("Brest region"),
    "vitebsk": _("Vitebsk region"),
    "gomel": _("Gomel region"),
    "grodno": _("Grodno region"),
    "mogilev": _("Mogilev region"),
    "abroad": _("Abroad"),
}

GROUPS = {
    "journalist": _("Journalist or media worker"),
    "lawyer": _("Lawyer"),
    "hrd": _("Human-rights defender"),
    "trade_unionist": _("Trade unionist"),
    "politician": _("Politician or party activist"),
    "cultural": _("Cultural figure"),
    "religious": _("Religious figure"),
    "student": _("Student"),
    "medic": _("Medical worker"),
    "railway_partisan": _("'Rail partisan'"),
    "blogger": _("Blogger"),
}

FACILITY_KINDS = {
    "sizo": _("Pre-trial detention centre (SIZO)"),
    "colony": _("Penal colony"),
    "prison": _("Prison"),
    "ivs": _("Temporary detention facility (IVS / TsIP)"),
    "open_institution": _("Open-type correctional institution"),
    "psychiatric": _("Psychiatric institution"),
    "other": _("Other"),
}

REGIMES = {
    "general": _("General"),
    "enhanced": _("Enhanced (strengthened)"),
    "strict": _("Strict"),
    "special": _("Special"),
    "settlement": _("Colony-settlement"),
    "women": _("Women's colony (general and enhanced)"),
    "juvenile": _("Juvenile"),
}

SOURCE_KINDS = {
    "ngo_list": _("NGO list"),
    "court": _("Court document"),
    "news": _("News article"),
    "family": _("Family"),
    "lawyer": _("Lawyer"),
    "ex_prisoner": _("Former prisoner"),
    "official": _("Official statement"),
    "import": _("Imported file"),
    "other": _("Other"),
}

END_KINDS = {**RELEASE_KINDS, "died_in_custody": _("Died in custody"), "house_arrest": _("House arrest")}


def label(table: dict, code: str | None) -> str:
    """The translated label of `code`, or the code itself if the table has none (never an empty cell)."""
    if not code:
        return ""
    return str(table.get(code, code))
