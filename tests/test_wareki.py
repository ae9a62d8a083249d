from datetime import date

import pytest

from kiosk.wareki import to_wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(2026, 11, 26), "令和8年11月26日"),
    ],
)
def test_era_boundaries(day, expected):
    assert to_wareki(day) == expected


def test_resident_birth_dates_format(residents):
    for resident in residents:
        assert to_wareki(date.fromisoformat(resident["birth"]))[:2] in {
            "大正",
            "昭和",
            "平成",
            "令和",
        }
