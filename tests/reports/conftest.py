import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def english():
    """Labels are compared in English (the source strings)."""
    with translation.override("en"):
        yield
