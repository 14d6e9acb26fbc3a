"""Periods are values with start/end; fiscal calendars shift them."""

from datetime import date

import pytest

from attain.core.periods import CALENDAR, FiscalCalendar, PeriodKind


def test_calendar_quarter():
    q = CALENDAR.parse("2017-Q2")
    assert (q.start, q.end, q.days) == (date(2017, 4, 1), date(2017, 6, 30), 91)


def test_month_label_round_trip():
    assert CALENDAR.parse("2016-02").end == date(2016, 2, 29)
    assert CALENDAR.period_of(date(2017, 3, 9), PeriodKind.MONTH).label == "2017-03"


def test_fiscal_year_starting_february():
    fy = FiscalCalendar(2)
    q1 = fy.parse("FY2018-Q1")
    assert (q1.start, q1.end) == (date(2017, 2, 1), date(2017, 4, 30))
    assert fy.period_of(date(2018, 1, 15), PeriodKind.QUARTER).label == "FY2018-Q4"


def test_bad_label_is_explained():
    with pytest.raises(ValueError, match="not a period label"):
        CALENDAR.parse("Q5 of something")
