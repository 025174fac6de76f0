import pytest
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError


@pytest.mark.parametrize(
    "password",
    [
        "short pass",
        "password123",
        "Password2024!",
        "P@ssw0rd",
        "azertyuiop",
        "aaaaaaaaaaaaaa",
        "Abri2026!!!!",
    ],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password)


@pytest.mark.parametrize(
    "password", ["un chemin de halage au printemps", "correct horse battery staple", "Tr0mbone-Lavande-Quai"]
)
def test_long_uncommon_passwords_pass_without_composition_rules(password):
    validate_password(password)


def test_passwords_are_hashed_with_argon2():
    assert identify_hasher(make_password("un chemin de halage au printemps")).algorithm == "argon2"
