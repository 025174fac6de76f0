"""The domain's shared lists: forms of exploitation, genders, languages.

Codes are stable (stored, exported, given to the placement engine); labels are translated.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExploitationForm(models.TextChoices):
    SEXUAL = "sexual", _("Sexual exploitation")
    LABOUR = "labour", _("Labour exploitation")
    DOMESTIC = "domestic", _("Domestic servitude")
    FORCED_CRIME = "forced_crime", _("Forced criminality")
    BEGGING = "begging", _("Forced begging")
    OTHER = "other", _("Other form")


class Gender(models.TextChoices):
    FEMALE = "F", _("Woman")
    MALE = "M", _("Man")
    OTHER = "X", _("Other gender")


# ISO 639 codes of the languages the network meets most (DOMAIN.md: Nigeria, Eastern Europe,
# China, Latin America, North Africa...). Staff languages and a person's languages use the same list.
LANGUAGES: list[tuple[str, object]] = [
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("pt", _("Portuguese")),
    ("ro", _("Romanian")),
    ("bg", _("Bulgarian")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("ar", _("Arabic")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("bin", _("Edo (Bini)")),
    ("pcm", _("Nigerian Pidgin")),
    ("tl", _("Tagalog")),
    ("sq", _("Albanian")),
    ("hu", _("Hungarian")),
    ("it", _("Italian")),
    ("de", _("German")),
    ("tr", _("Turkish")),
    ("ff", _("Fula")),
]
LANGUAGE_CODES = frozenset(code for code, _label in LANGUAGES)


def language_label(code: str) -> str:
    return str(dict(LANGUAGES).get(code, code))
