"""Working calendars: shifts, breaks, holidays, closures and overtime as windows in minutes."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from core.scheduling.calendar import (
    Calendar,
    Occupancy,
    Shift,
    fits,
    merge,
    off_time,
    starts,
    subtract,
    windows,
)

MONDAY = datetime(2026, 6, 1)  # a Monday
EARLY = Shift(time(6), time(14), breaks=((time(9), time(9, 15)), (time(12), time(12, 30))))
LATE = Shift(time(14), time(22), breaks=((time(18), time(18, 30)),))
H = 60


def test_two_shifts_with_breaks_make_one_window_per_stretch_between_breaks() -> None:
    got = windows(Calendar((EARLY, LATE)), MONDAY, 24 * H)
    # The shift change at 14:00 is not a pause: the morning's last stretch runs on into the
    # late shift.
    assert got == (
        (6 * H, 9 * H),
        (9 * H + 15, 12 * H),
        (12 * H + 30, 18 * H),
        (18 * H + 30, 22 * H),
    )


def test_weekends_and_holidays_are_off() -> None:
    cal = Calendar((Shift(time(6), time(14)),), holidays=(date(2026, 6, 3),))
    got = windows(cal, MONDAY, 7 * 24 * H)
    days = [a // (24 * H) for a, _ in got]
    assert days == [0, 1, 3, 4]  # Mon, Tue, (Wed holiday), Thu, Fri; no weekend


def test_a_night_shift_runs_past_midnight_and_its_break_falls_on_the_next_day() -> None:
    night = Shift(time(22), time(6), days=(0,), breaks=((time(2), time(2, 30)),))
    got = windows(Calendar((night,)), MONDAY, 2 * 24 * H)
    assert got == ((22 * H, 26 * H), (26 * H + 30, 30 * H))


def test_a_night_shift_from_the_day_before_the_horizon_reaches_in() -> None:
    night = Shift(time(22), time(6), days=(6,))  # Sunday night
    assert windows(Calendar((night,)), MONDAY, 24 * H) == ((0, 6 * H),)


def test_closures_cut_and_overtime_adds() -> None:
    cal = Calendar(
        (Shift(time(6), time(14)),),
        closures=((datetime(2026, 6, 1, 10), datetime(2026, 6, 1, 11)),),
        extra=((datetime(2026, 6, 6, 8), datetime(2026, 6, 6, 12)),),  # Saturday overtime
    )
    got = windows(cal, MONDAY, 6 * 24 * H)
    assert got[:2] == ((6 * H, 10 * H), (11 * H, 14 * H))
    assert got[-1] == (5 * 24 * H + 8 * H, 5 * 24 * H + 12 * H)


def test_daylight_saving_change_counts_the_real_minutes() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    saturday = datetime(2026, 3, 28, tzinfo=berlin)  # clocks go forward on Sunday 29 March
    got = windows(Calendar((Shift(time(6), time(14)),)), saturday, 3 * 24 * H)
    # Saturday 00:00 to Monday 06:00 local is 54 h on the wall clock but 53 h of real time.
    assert got[0] == (53 * H, 61 * H)


def test_windows_are_clipped_to_the_horizon() -> None:
    assert windows(Calendar((EARLY,)), MONDAY, 10 * H) == ((6 * H, 9 * H), (9 * H + 15, 10 * H))


def test_window_arithmetic() -> None:
    assert merge([(5, 10), (0, 5), (20, 30), (25, 26), (40, 40)]) == ((0, 10), (20, 30))
    assert subtract([(0, 100)], [(10, 20), (50, 60)]) == ((0, 10), (20, 50), (60, 100))
    ws = ((0, 60), (80, 140))
    assert fits(ws, 0, 60) and fits(ws, 90, 140) and not fits(ws, 50, 90) and not fits(ws, 140, 141)
    assert fits(None, -5, 10**9)
    assert starts(ws, 30, 10, 1000) == [(10, 30), (80, 110)]
    assert starts(ws, 70, 0, 1000) == []
    assert off_time(ws, 50, 100) == 20


def test_first_fit_skips_busy_time_and_windows_too_short() -> None:
    busy = Occupancy()
    busy.add(0, 20)
    busy.add(30, 50)
    busy.add(55, 55)  # no length: occupies nothing
    ws = ((0, 60), (80, 100), (120, 200))
    assert busy.first_fit(ws, 0, 10) == 20
    assert busy.first_fit(ws, 0, 11) == 80
    assert busy.first_fit(ws, 0, 25) == 120
    assert busy.first_fit(ws, 0, 100) is None
    assert busy.first_fit(None, 0, 15) == 50
    assert busy.first_fit(ws, 45, 5) == 50
