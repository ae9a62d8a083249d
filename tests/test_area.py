"""The municipality's ground without Qt or the postal file: which addresses and codes are its
own, and how its 町名 are found by the 50-on row of their reading (core.area)."""

from __future__ import annotations

from core.area import NO_AREA, MunicipalArea, Town, town_name

CHUO = MunicipalArea(
    ("01101",),
    (
        Town("北海道", "札幌市中央区", "大通西", "オオドオリニシ", "0600042"),
        Town("北海道", "札幌市中央区", "大通西", "オオドオリニシ", "0640820"),
        Town("北海道", "札幌市中央区", "北一条西", "キタ1ジョウニシ", "0600001"),
        Town("北海道", "札幌市中央区", "北一条", "キタ1ジョウ", "0600099"),
        Town("北海道", "札幌市中央区", "南一条西", "ミナミ1ジョウニシ", "0600061"),
    ),
)


def test_an_address_is_in_the_city_when_it_starts_with_one_of_its_towns():
    assert CHUO.town_of("北海道札幌市中央区北一条西二丁目1番地 デモマンション") == "北一条西"
    assert CHUO.town_of("札幌市中央区 北一条西2-1") == "北一条西"  # without the prefecture
    assert CHUO.town_of("北一条西２－１") == "北一条西"  # the town first, full-width digits
    assert CHUO.town_of("北一条東1") == "北一条"  # and 北一条西… is 北一条西: the longest that fits
    assert CHUO.town_of("東京都千代田区千代田1-1") is None
    assert not CHUO.contains("北海道札幌市北区北七条西")


def test_the_citys_postal_codes_and_candidates_are_its_own():
    assert CHUO.has_postal_code("0640820") and not CHUO.has_postal_code("1000001")
    assert CHUO.holds({"prefecture": "北海道", "city": "札幌市中央区", "town": "大通西"})
    assert not CHUO.holds({"prefecture": "東京都", "city": "千代田区", "town": "千代田"})


def test_towns_are_found_under_the_50_on_row_of_their_reading():
    rows = dict(CHUO.rows())
    assert list(rows) == ["あ", "か", "ま"]
    assert [town.postal_code for town in rows["あ"]] == ["0600042", "0640820"]
    assert [town.name for town in CHUO.town_names()] == ["大通西", "北一条西", "北一条", "南一条西"]


def test_posutos_notes_are_left_off_a_town_name_and_no_data_refuses_nothing():
    assert town_name("藤野（１〜５条）") == "藤野"
    assert not NO_AREA.known and NO_AREA.rows() == ()
