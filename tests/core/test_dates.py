import datetime

from abri.core.dates import shift_years


def test_shift_years_keeps_the_day_and_folds_29_february():
    assert shift_years(datetime.date(2026, 11, 29), 5) == datetime.date(2031, 11, 29)
    assert shift_years(datetime.date(2028, 2, 29), 5) == datetime.date(2033, 2, 28)
    assert shift_years(datetime.date(2028, 2, 29), -2) == datetime.date(2026, 2, 28)
    assert shift_years(datetime.date(2028, 2, 29), 4) == datetime.date(2032, 2, 29)
