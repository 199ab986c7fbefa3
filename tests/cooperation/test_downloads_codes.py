"""Every download that lists local governments or their records carries the 団体コード and the prefecture.

25 names are shared by 57 local governments (伊達市 in 北海道 and in 福島県, 府中市 …):
without the code a file cannot be pivoted.
"""

from tests.cooperation.test_lists import _activity, _csv_rows, _get, _move, _referral, _xlsx_rows


def _column(rows, header):
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def test_activity_download_carries_codes_and_prefectures(hq, master, client_for):
    _activity("sapporo", ["012033", "012173"], "小樽・江別 合同説明会", days_ago=20)
    rows = _csv_rows(_get(client_for(hq), "activity_list", _export="csv"))
    assert _column(rows, "団体コード") == ["012033、012173"]
    assert _column(rows, "都道府県") == ["北海道"]


def test_referral_download_carries_code_and_prefecture(hq, master, client_for):
    _referral("012033")
    rows = _xlsx_rows(_get(client_for(hq), "referral_list", _export="xlsx"))
    assert _column(rows, "団体コード") == ["012033"]
    assert _column(rows, "都道府県") == ["北海道"]


def test_history_download_tells_apart_local_governments_of_the_same_name(hq, master, client_for):
    # 伊達市: 012335 in 北海道, 072133 in 福島県.
    _move("012335", "1-1", "considering")
    _move("072133", "1-1", "considering")
    rows = _csv_rows(_get(client_for(hq), "progresschange_list", _export="csv"))
    pairs = sorted(zip(_column(rows, "団体コード"), _column(rows, "都道府県"), strict=True))
    assert pairs == [("012335", "北海道"), ("072133", "福島県")]


def test_list_downloads_keep_working_for_a_center(center_sapporo, master, client_for):
    _activity("sapporo", ["012033"], "説明会", days_ago=3)
    rows = _csv_rows(_get(client_for(center_sapporo), "activity_list", _export="csv"))
    assert _column(rows, "団体コード") == ["012033"]
