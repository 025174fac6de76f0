"""Password checks beyond Django's: breached passwords dressed up with digits and symbols."""

from __future__ import annotations

import re
from functools import lru_cache

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Words a guesser tries first against this platform in particular.
CONTEXT_WORDS = {"abri", "acse", "accueil", "securisant", "traite", "chrs", "miprof", "ccem", "motdepasse"}
LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s", "!": "i"}
)


@lru_cache(maxsize=1)
def breached_passwords() -> frozenset[str]:
    """Django's list of 20,000 passwords most found in breach corpora, shipped with Django."""
    return frozenset(CommonPasswordValidator().passwords)


def _cores(password: str) -> set[str]:
    lowered = password.lower()
    stripped = re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered)
    return {lowered, stripped, stripped.translate(LEET), lowered.translate(LEET), lowered.replace(" ", "")}


class BreachedPasswordValidator:
    """Refuses a known-breached password even with digits, symbols or leetspeak around it.

    'Password2024!' and 'P@ssw0rd' pass Django's own check; they are the first an attacker
    tries. Works offline: the list ships with Django.
    """

    def validate(self, password: str, user: object = None) -> None:
        words = breached_passwords()
        for core in _cores(password):
            if core in CONTEXT_WORDS or (len(core) >= 4 and core in words) or self._repetitive(core):
                raise ValidationError(
                    _("This password is too easy to guess: it is a known breached or common password."),
                    code="password_breached",
                )

    @staticmethod
    def _repetitive(core: str) -> bool:
        return len(core) >= 4 and len(set(core)) <= 2

    def get_help_text(self) -> str:
        return _("Your password must not be a known breached or common password.")
