"""Personal-information detectors: what is flagged, what is not, and the My Number check digit."""

import pytest

from cooperation.privacy.detectors import (
    ADDRESS,
    BIRTH_DATE,
    EMAIL,
    MY_NUMBER,
    PHONE,
    find_personal_information,
    is_my_number,
    my_number_check_digit,
)


def kinds(text):
    return [finding.kind for finding in find_personal_information(text)]


@pytest.mark.parametrize(
    "text, kind",
    [
        ("連絡先 090-1234-5678", PHONE),
        ("０９０－１２３４－５６７８まで", PHONE),
        ("自宅 0134-32-4111", PHONE),
        ("電話 09012345678", PHONE),
        ("taro.yamada@example.jp に返信", EMAIL),
        ("個人番号 1234 5678 9018", MY_NUMBER),
        ("123456789018", MY_NUMBER),
        ("札幌市中央区北1条西2丁目3番4号に住む", ADDRESS),
        ("小樽市花園2-12-1", ADDRESS),
        ("〒047-8660", ADDRESS),
        ("生年月日 昭和45年3月2日", BIRTH_DATE),
        ("1970年3月2日生まれの方", BIRTH_DATE),
    ],
)
def test_personal_information_is_found(text, kind):
    assert kind in kinds(text)


@pytest.mark.parametrize(
    "text",
    [
        "年金の受給手続についての相談（個人情報なし）",
        "2026年4月1日に相談を受けた",
        "項目2-3について",
        "北海道の3-2表彰",
        "令和8年度 3件",
        "123456789012",  # twelve digits with a wrong check digit: not a My Number
    ],
)
def test_ordinary_text_is_not_flagged(text):
    assert kinds(text) == []


def test_my_number_check_digit_follows_the_official_weights():
    # Worked out digit by digit: P1=1·2, P2=0·3, P3=9·4, P4=8·5, P5=7·6, P6=6·7, P7=5·2, P8=4·3, P9=3·4, P10=2·5,
    # P11=1·6 → 2+0+36+40+42+42+10+12+12+10+6 = 212; 212 mod 11 = 3; 11 − 3 = 8.
    assert my_number_check_digit("12345678901") == 8
    assert is_my_number("123456789018")
    assert not is_my_number("123456789013")


def test_remainder_of_zero_or_one_gives_check_digit_zero():
    # 00000000000 → Σ = 0 → 0; 10000000000: P11 = 1 · 6 = 6 → 11 − 6 = 5; 00000000006: P1 = 6·2 = 12 → 1 → 0.
    assert my_number_check_digit("00000000000") == 0
    assert my_number_check_digit("10000000000") == 5
    assert my_number_check_digit("00000000006") == 0
