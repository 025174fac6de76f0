"""Sentences a coordinator can read on the phone, in French and English.

Plain Python strings on purpose: the engine has no Django import, and the app decides how to
present them. ``render`` takes any explanation object the engine produces: a recommendation
(``explain.Explainer.recommendation``), an excluded shelter's reason (``{"code": ...}``,
optionally with "shelter"), or a list of an unplaced request's reasons.
"""

from __future__ import annotations

import math
from typing import Any

LANGS = ("fr", "en")

_LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "fr": ("français", "French"),
    "en": ("anglais", "English"),
    "es": ("espagnol", "Spanish"),
    "pt": ("portugais", "Portuguese"),
    "it": ("italien", "Italian"),
    "de": ("allemand", "German"),
    "ar": ("arabe", "Arabic"),
    "ro": ("roumain", "Romanian"),
    "bg": ("bulgare", "Bulgarian"),
    "hu": ("hongrois", "Hungarian"),
    "pl": ("polonais", "Polish"),
    "ru": ("russe", "Russian"),
    "uk": ("ukrainien", "Ukrainian"),
    "sq": ("albanais", "Albanian"),
    "zh": ("chinois", "Chinese"),
    "vi": ("vietnamien", "Vietnamese"),
    "th": ("thaï", "Thai"),
    "tl": ("tagalog", "Tagalog"),
    "bin": ("edo (bini)", "Edo (Bini)"),
    "pcm": ("pidgin nigérian", "Nigerian Pidgin"),
    "yo": ("yoruba", "Yoruba"),
    "ig": ("igbo", "Igbo"),
    "tw": ("twi", "Twi"),
    "ln": ("lingala", "Lingala"),
    "sw": ("swahili", "Swahili"),
    "ti": ("tigrigna", "Tigrinya"),
    "am": ("amharique", "Amharic"),
    "so": ("somali", "Somali"),
    "fa": ("persan", "Persian"),
    "ps": ("pachto", "Pashto"),
    "tr": ("turc", "Turkish"),
}

_FORMS: dict[str, tuple[str, str]] = {
    "sexual": ("exploitation sexuelle", "sexual exploitation"),
    "labour": ("exploitation par le travail", "labour exploitation"),
    "domestic": ("servitude domestique", "domestic servitude"),
    "criminality": ("contrainte à commettre des délits", "forced criminality"),
    "begging": ("mendicité forcée", "forced begging"),
    "forced_marriage": ("mariage forcé", "forced marriage"),
}

_GENDERS: dict[str, tuple[str, str]] = {
    "F": ("femmes", "women"),
    "M": ("hommes", "men"),
    "X": ("personnes non binaires", "non-binary people"),
}

_TERMS: dict[str, tuple[str, str]] = {
    "no_common_language": ("aucune langue commune", "no common language"),
    "not_specialised": ("personnel non spécialisé", "staff not specialised"),
    "no_trained_staff": ("pas de personnel formé", "no trained staff"),
    "safety_margin": ("marge de sécurité faible", "little safety margin"),
    "load": ("part des places libres", "share of the free places"),
}


def _k(lang: str) -> int:
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}")
    return LANGS.index(lang)


def _name(table: dict[str, tuple[str, str]], code: str, k: int) -> str:
    return table[code][k] if code in table else code


def _names(table: dict[str, tuple[str, str]], codes: list[str], k: int) -> str:
    items = [_name(table, c, k) for c in codes]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + (" et " if k == 0 else " and ") + items[-1]


def _km(x: float) -> str:
    # Floor, so that a distance just under the minimum never reads as the minimum itself.
    return f"{math.floor(x):d}"


def _zone(zone: dict[str, Any] | None, k: int) -> str:
    if not zone:
        return ""
    if "departement" in zone:
        return f" (département {zone['departement']})"  # the same word in both languages
    r = _km(zone["radius_km"])
    return f" (zone de {r} km de rayon)" if k == 0 else f" ({r} km radius zone)"


def render(explanation: Any, lang: str = "fr") -> str:
    """One or a few sentences for an explanation, reason or list of reasons."""
    k = _k(lang)
    if isinstance(explanation, list):
        return " ".join(render(x, lang) for x in explanation)
    if "checks" in explanation:
        return _recommendation(explanation, k)
    return _reason(explanation, k)


def _recommendation(e: dict[str, Any], k: int) -> str:
    c = e["checks"]
    free = c["places_free"]
    if k == 0:
        head = f"Centre {e['shelter']} : {free} place{'s' if free > 1 else ''} libre{'s' if free > 1 else ''}"
    else:
        head = f"Shelter {e['shelter']}: {free} free place{'s' if free != 1 else ''}"
    parts = [head]
    if c["nearest_danger_km"] is not None:
        parts[0] += (
            ", à {d} km de la zone de danger la plus proche (minimum {m} km)"
            if k == 0
            else ", {d} km from the nearest danger zone (minimum {m} km)"
        ).format(d=_km(c["nearest_danger_km"]), m=_km(c["min_distance_km"]))
    if e["common_languages"]:
        langs = _names(_LANGUAGE_NAMES, e["common_languages"], k)
        parts.append(("le personnel parle " if k == 0 else "the staff speak ") + langs)
    else:
        parts.append(
            "aucune langue commune avec le personnel" if k == 0 else "no common language with the staff"
        )
    form = e["exploitation_form"]
    if form is not None:
        name = _name(_FORMS, form, k)
        if e["specialised"]:
            parts.append(("spécialisé en " if k == 0 else "specialised in ") + name)
        else:
            parts.append(("non spécialisé en " if k == 0 else "not specialised in ") + name)
    staff = e["trained_staff"]
    parts.append(
        (f"{staff} personne(s) formée(s)" if staff else "pas de personnel formé")
        if k == 0
        else (f"{staff} trained staff" if staff else "no trained staff")
    )
    text = (" ; " if k == 0 else "; ").join(parts) + "."
    charged = [t for t, v in e["terms"].items() if v]
    if charged:
        detail = ", ".join(f"{_name(_TERMS, t, k)} +{e['terms'][t]}" for t in charged)
        text += f" Coût {e['cost']} ({detail})." if k == 0 else f" Cost {e['cost']} ({detail})."
    else:
        text += " Coût 0." if k == 0 else " Cost 0."
    if e["opportunity_cost"]:
        text += (
            f" Coût d'opportunité {e['opportunity_cost']} : ces places sont rares."
            if k == 0
            else f" Opportunity cost {e['opportunity_cost']}: these places are scarce."
        )
    n = e["only_here"]
    if n:
        text += (
            f" {n} autre(s) demande(s) en attente ne peuvent aller que là."
            if k == 0
            else f" {n} other pending request(s) can only go here."
        )
    if e["linked_requests"]:
        ids = ", ".join(e["linked_requests"])
        text += f" Avec {ids} (demandes liées)." if k == 0 else f" Together with {ids} (linked requests)."
    ru = e["runner_up"]
    if ru is not None:
        text += " " + _runner_up(ru, k)
    return text


def _runner_up(ru: dict[str, Any], k: int) -> str:
    s, why = ru["shelter"], ru["why"]
    worse = _names(_TERMS, ru["worse_terms"], k)
    if why == "higher_cost":
        return (
            f"Ensuite : {s}, coût {ru['cost']} plus élevé ({worse})."
            if k == 0
            else f"Next: {s}, higher cost {ru['cost']} ({worse})."
        )
    if why == "higher_opportunity_cost":
        return (
            f"Ensuite : {s}, dont les places sont plus demandées "
            f"(coût d'opportunité {ru['opportunity_cost']})."
            if k == 0
            else f"Next: {s}, whose places are in higher demand (opportunity cost {ru['opportunity_cost']})."
        )
    if why == "places_used_by_plan":
        return (
            f"{s} ({ru['cost']}) aurait convenu, mais le plan donne ses places à d'autres demandes."
            if k == 0
            else f"{s} ({ru['cost']}) would fit, but the plan gives its places to other requests."
        )
    return (
        f"{s} convient aussi, à coût égal ({ru['cost']})."
        if k == 0
        else f"{s} fits as well, at equal cost ({ru['cost']})."
    )


def _reason(r: dict[str, Any], k: int) -> str:
    who = r.get("shelter")
    prefix = (f"Centre {who} : " if k == 0 else f"Shelter {who}: ") if who else ""
    code = str(r["code"])
    fr, en = _REASONS.get(code, (code, code))
    text = (fr if k == 0 else en).format(**{**r, **_extra(r, k)})
    return prefix + text


def _extra(r: dict[str, Any], k: int) -> dict[str, str]:
    out: dict[str, str] = {}
    if r.get("distance_km") is not None:
        out["distance_km"] = _km(r["distance_km"])
    if "min_distance_km" in r:
        out["min_distance_km"] = _km(r["min_distance_km"])
    out["zone_text"] = _zone(r.get("zone"), k)
    if "gender" in r:
        out["gender_text"] = _name(_GENDERS, r["gender"], k)
    if "linked_reason" in r:
        out["linked_text"] = _reason(r["linked_reason"], k)
    if "linked_requests" in r:
        out["linked_ids"] = ", ".join(r["linked_requests"])
    if "excluded" in r:
        out["excluded_text"] = ", ".join(f"{v} × {c}" for c, v in r["excluded"].items())
    return out


_REASONS: dict[str, tuple[str, str]] = {
    "insufficient_places": (
        "{places_free} places libres pour un foyer de {household_size} personnes.",
        "{places_free} free places for a household of {household_size}.",
    ),
    "inside_danger_departement": (
        "situé dans un département de danger ({departement}).",
        "located in a danger département ({departement}).",
    ),
    "too_close_to_danger": (
        "à {distance_km} km d'une zone de danger{zone_text}, minimum {min_distance_km} km.",
        "{distance_km} km from a danger zone{zone_text}, minimum {min_distance_km} km.",
    ),
    "gender_not_accepted": (
        "n'accueille pas les {gender_text}.",
        "does not take {gender_text}.",
    ),
    "couples_not_accepted": ("n'accueille pas les couples.", "does not take couples."),
    "too_many_children": (
        "{children} enfants, le centre en accepte {max_children} au plus.",
        "{children} children, the shelter takes at most {max_children}.",
    ),
    "no_wheelchair_access": ("pas d'accès en fauteuil roulant.", "no wheelchair access."),
    "avoided": ("à éviter pour cette personne.", "to be avoided for this person."),
    "linked_request_excluded": (
        "ne convient pas à la demande liée {linked_request} : {linked_text}",
        "does not suit the linked request {linked_request}: {linked_text}",
    ),
    "linked_group_too_large": (
        "{places_free} places libres pour le groupe de {group_size} personnes (avec {linked_ids}).",
        "{places_free} free places for the group of {group_size} (with {linked_ids}).",
    ),
    "no_eligible_shelter": (
        "Aucun centre ne remplit toutes les conditions ({excluded_text}).",
        "No shelter meets every condition ({excluded_text}).",
    ),
    "places_taken_by_plan": (
        "{eligible_shelters} centre(s) conviendraient, mais le plan donne leurs places à des "
        "demandes plus prioritaires.",
        "{eligible_shelters} shelter(s) would fit, but the plan gives their places to requests "
        "with more priority.",
    ),
}
