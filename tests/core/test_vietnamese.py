"""Tests for hoiso.core.vietnamese: plain functions, no database."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from hoiso.core.vietnamese import (
    fold,
    name_sort_key,
    name_sort_string,
    nfc,
    normalize_phone,
    search_terms,
    title_name,
)

# --- strategies ----------------------------------------------------------------------------------

_TONES = ("", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_VOWELS = "aăâeêioôơuưy"
_CONSONANTS = "bcdđghklmnpqrstvxfjwz"
_LETTERS = sorted(
    {unicodedata.normalize("NFC", vowel + tone) for vowel in _VOWELS for tone in _TONES}
    | set(_CONSONANTS)
)
_LETTERS += [letter.upper() for letter in _LETTERS]

vietnamese_words = st.text(alphabet=[*_LETTERS, "-", "'"], min_size=1, max_size=8)
vietnamese_names = st.lists(vietnamese_words, min_size=0, max_size=5).map(" ".join)


@st.composite
def syllables(draw: st.DrawFn) -> str:
    """A syllable built the Vietnamese way, its tone on any vowel (right or wrong placement)."""
    initial = draw(st.sampled_from(["", "b", "ch", "gi", "h", "kh", "ng", "ngh", "qu", "tr", "đ"]))
    nucleus = draw(st.sampled_from(["a", "oa", "oe", "uy", "ua", "ia", "ươ", "uyê", "oai", "i"]))
    final = draw(st.sampled_from(["", "", "n", "ng", "c", "nh"]))
    letters = list(initial + nucleus + final)
    letters[len(initial) + draw(st.integers(0, len(nucleus) - 1))] += draw(st.sampled_from(_TONES))
    word = unicodedata.normalize("NFC", "".join(letters))
    return word.upper() if draw(st.booleans()) else word


any_text = st.text()
mixed_text = st.one_of(
    any_text,
    vietnamese_names,
    st.lists(syllables(), max_size=5).map(" ".join),
)


def _has_marks(text: str) -> bool:
    return any(unicodedata.category(char).startswith("M") for char in text)


# --- nfc -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_style", "old_style"),
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Hoà Bình", "Hòa Bình"),
        ("HOÀ", "HÒA"),
        ("THUỶ", "THỦY"),
        ("Nguyễn Thị Thuý", "Nguyễn Thị Thúy"),
        ("loè loẹt", "lòe loẹt"),  # loẹt has a final consonant: same in both styles
        ("tuỳ", "tùy"),
    ],
)
def test_nfc_unifies_tone_placement(new_style: str, old_style: str) -> None:
    assert nfc(new_style) == old_style
    assert nfc(old_style) == old_style
    assert nfc(unicodedata.normalize("NFD", new_style)) == old_style


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("qúy", "quý"),  # qu is a consonant: the tone goes on y
        ("qũy", "quỹ"),
        ("quả", "quả"),
        ("gìa", "già"),  # gi is a consonant too
        ("gì", "gì"),  # ... unless i is the only vowel
        ("gìn giữ", "gìn giữ"),
        ("hoàng", "hoàng"),  # with a final consonant the tone goes on the last vowel
        ("hòang", "hoàng"),
        ("huỳnh", "huỳnh"),
        ("ngoài", "ngoài"),
        ("ngòai", "ngoài"),
        ("khuỷu", "khuỷu"),
        ("người", "người"),
        ("ngừơi", "người"),
        ("rượu", "rượu"),
        ("thuở", "thuở"),
        ("quyển", "quyển"),
        ("mùa", "mùa"),
        ("Thái Nguyên", "Thái Nguyên"),
    ],
)
def test_nfc_places_tones(text: str, expected: str) -> None:
    assert nfc(text) == expected


def test_nfc_composes_collapses_and_strips() -> None:
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hoà")
    assert decomposed != "Nguyễn Thị Hoà"
    assert nfc(f"  {decomposed}\t\n  ") == "Nguyễn Thị Hòa"
    assert nfc("Hội\u00a0 Liên   hiệp") == "Hội Liên hiệp"


def test_nfc_leaves_foreign_words_alone() -> None:
    assert nfc("José Müller façade naïve") == "José Müller façade naïve"
    assert nfc("Maria ùa") == "Maria ùa"


def test_nfc_repairs_eth_from_windows_1258() -> None:
    assert nfc("Ðặng ðào") == "Đặng đào"


@given(mixed_text)
def test_nfc_idempotent(text: str) -> None:
    once = nfc(text)
    assert nfc(once) == once
    assert once == unicodedata.normalize("NFC", once)


@given(mixed_text)
def test_nfc_of_nfd_equals_nfc(text: str) -> None:
    assert nfc(unicodedata.normalize("NFD", text)) == nfc(text)


@given(st.lists(syllables(), min_size=1, max_size=4).map(" ".join))
def test_nfc_keeps_letters_and_tone_only_moves(text: str) -> None:
    assert fold(nfc(text)) == fold(text)
    assert nfc(text.lower()) == nfc(text).lower()


@given(
    st.sampled_from(["", "b", "ch", "gi", "h", "kh", "ng", "qu", "th", "đ"]),
    st.sampled_from([("oa", ""), ("oe", ""), ("uy", ""), ("oa", "n"), ("uy", "nh"), ("oai", "")]),
    st.sampled_from(_TONES[1:]),
    st.integers(0, 2),
    st.integers(0, 2),
)
def test_nfc_tone_position_does_not_depend_on_input(
    initial: str, rhyme: tuple[str, str], tone: str, first: int, second: int
) -> None:
    nucleus, final = rhyme

    def placed(index: int) -> str:
        letters = list(initial + nucleus + final)
        letters[len(initial) + index % len(nucleus)] += tone
        return "".join(letters)

    assert nfc(placed(first)) == nfc(placed(second))


# --- fold ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nguyễn Thị Hoà", "nguyen thi hoa"),
        ("ĐẶNG", "dang"),
        ("Hội Liên hiệp Phụ nữ Đắk Lắk", "hoi lien hiep phu nu dak lak"),
        ("  Thái   Nguyên ", "thai nguyen"),
        ("ỨNG DỤNG", "ung dung"),
        ("Ðông", "dong"),
    ],
)
def test_fold_examples(text: str, expected: str) -> None:
    assert fold(text) == expected


@given(mixed_text)
def test_fold_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(mixed_text)
def test_fold_ignores_normalisation(text: str) -> None:
    assert fold(nfc(text)) == fold(text)
    assert fold(unicodedata.normalize("NFD", text)) == fold(unicodedata.normalize("NFC", text))


@given(mixed_text)
@example("đĐðÐ\u0301")
def test_fold_has_no_marks_and_no_dj(text: str) -> None:
    folded = fold(text)
    assert not _has_marks(folded)
    assert not set(folded) & {"đ", "Đ", "ð", "Ð"}
    assert folded == folded.lower()
    assert folded == " ".join(folded.split())


@given(vietnamese_names)
def test_fold_of_vietnamese_is_ascii(text: str) -> None:
    assert fold(text).isascii()


def test_search_terms() -> None:
    assert search_terms("  Nguyễn   THỊ hoà ") == ["nguyen", "thi", "hoa"]
    assert search_terms(" \t ") == []
    assert search_terms("Đỗ-Thị") == ["do-thi"]


# --- title_name ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ĐẶNG THỊ ÁNH", "Đặng Thị Ánh"),
        ("nguyễn thị hoa", "Nguyễn Thị Hoa"),
        ("NGUYỄN  THỊ   HOÀ", "Nguyễn Thị Hòa"),
        ("ưng hoàng phúc", "Ưng Hoàng Phúc"),
        ("lò thị ơn", "Lò Thị Ơn"),
        ("h'hen niê", "H'Hen Niê"),
        ("vũ thị ê-đê", "Vũ Thị Ê-Đê"),
        (unicodedata.normalize("NFD", "TRẦN THỊ THUỶ"), "Trần Thị Thủy"),
    ],
)
def test_title_name_examples(text: str, expected: str) -> None:
    assert title_name(text) == expected


@given(mixed_text)
def test_title_name_idempotent(text: str) -> None:
    once = title_name(text)
    assert title_name(once) == once


@given(vietnamese_names)
def test_title_name_ignores_input_case(text: str) -> None:
    assert title_name(text.upper()) == title_name(text.lower()) == title_name(text)


# --- name sorting --------------------------------------------------------------------------------

# In the order a Vietnamese roster lists them: given name, then middle names, then family name;
# letters in the order a ă â b c d đ e ê …; tones ngang, huyền, hỏi, ngã, sắc, nặng.
ROSTER = [
    "Trần Văn An",
    "Hoàng Thị Anh",  # An < Anh: a shorter word first
    "Lê Thị Ánh",  # Anh < Ánh: same letters, ngang before sắc
    "Phạm Thị Ăn",  # a < ă, whatever follows
    "Đỗ Thị Dung",
    "Hoàng Thị Đào",  # d < đ
    "Bùi Thị Em",
    "Vũ Thị Ê-đê",  # e < ê; the hyphen is ignored
    "Trần Hà",  # no middle name sorts before any middle name
    "Lê Thị Hà",
    "Phạm Thị Thu Hà",  # (Thị) < (Thị, Thu) < (Thu)
    "Nguyễn Thu Hà",
    "Nguyễn Thị Hoa",
    "Lê Thị Hoà",  # Hoà = Hòa; then family name: Lê < Trần
    "Trần Thị Hòa",
    "Lò Thị Hương",  # o < ư
    "Mạc Thị Hường",  # ngang < huyền < hỏi
    "Ma Thị Hưởng",
    "Ngô Thị Thùy",  # huyền < hỏi < sắc
    "Bùi Thị Thủy",
    "Đặng Thị Thuỷ",  # Thuỷ = Thủy; Bùi < Đặng
    "Vũ Thị Thúy",
]


def test_roster_order_by_key() -> None:
    shuffled = sorted(ROSTER, key=lambda name: fold(name)[::-1])
    assert sorted(shuffled, key=name_sort_key) == ROSTER


def test_roster_order_by_string() -> None:
    shuffled = sorted(ROSTER, key=fold)
    assert sorted(shuffled, key=name_sort_string) == ROSTER


def test_sort_key_is_case_and_placement_insensitive() -> None:
    assert name_sort_key("NGUYỄN THỊ HOÀ") == name_sort_key("nguyễn thị hòa")
    assert name_sort_string("NGUYỄN THỊ HOÀ") == name_sort_string("Nguyễn Thị Hòa")


def test_sort_key_single_and_empty_names() -> None:
    assert name_sort_string("") < name_sort_string("Hoa") < name_sort_string("Nguyễn Hoa")
    assert name_sort_key("") < name_sort_key("Hoa") < name_sort_key("Nguyễn Hoa")


def test_sort_string_is_ascii() -> None:
    for name in [*ROSTER, "Nguyễn Thị 李 Hoa", "Zơ Ray 2"]:
        assert name_sort_string(name).isascii()


def _same_order(a: str, b: str) -> None:
    key_a, key_b = name_sort_key(a), name_sort_key(b)
    string_a, string_b = name_sort_string(a).encode(), name_sort_string(b).encode()
    assert (key_a < key_b) == (string_a < string_b)
    assert (key_a == key_b) == (string_a == string_b)


@given(vietnamese_names, vietnamese_names)
@example("Hoa", "Nguyễn Hoa")
@example("Lê Thị Hà", "Phạm Thị Thu Hà")
@example("An", "Anh")
@example("", "-")
def test_sort_string_order_equals_key_order(a: str, b: str) -> None:
    _same_order(a, b)


@given(any_text, any_text)
def test_sort_string_order_equals_key_order_any_text(a: str, b: str) -> None:
    _same_order(a, b)


@given(st.lists(vietnamese_names, max_size=12))
def test_sorting_by_string_equals_sorting_by_key(names: list[str]) -> None:
    by_key = [name_sort_key(name) for name in sorted(names, key=name_sort_key)]
    by_string = [name_sort_key(name) for name in sorted(names, key=name_sort_string)]
    assert by_key == by_string


# --- phones --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "0912345678",
        "+84 912 345 678",
        "+84912345678",
        "84912345678",
        "0084 912 345 678",
        "0912.345.678",
        "0912-345-678",
        "(091) 234 5678",
        "(+84) 0912 345 678",
        "912345678",
        "912345678.0",
        912345678,
        912345678.0,
        84912345678,
        " 0912 345 678 ",
        "０９１２３４５６７８",  # full-width digits from some phone keyboards
    ],
)
def test_normalize_phone_accepts(raw: str | float) -> None:
    assert normalize_phone(raw) == "0912345678"


@pytest.mark.parametrize("raw", ["", "   ", float("nan")])
def test_normalize_phone_empty(raw: str | float) -> None:
    assert normalize_phone(raw) is None


def test_normalize_phone_other_mobile_prefixes() -> None:
    assert normalize_phone("0345 678 901") == "0345678901"
    assert normalize_phone("845123456") == "0845123456"  # lost 0, not the country code
    assert normalize_phone("+84 845 123 456") == "0845123456"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("01695678945", "0395678945"),  # old Viettel number: suggest the new one
        ("0123 456 7890", "0834567890"),
        ("+84 169 567 8945", "11 chữ số cũ"),
        ("0208 3851 234", "cố định"),
        ("+1 202 555 0100", "+84"),
        ("091234567", "10 chữ số"),
        ("09123456789", "10 chữ số"),
        ("0123456789", "đầu số 01"),
        ("0012345678", "đầu số 00"),
        ("091234567a", "không hợp lệ"),
        ("0912 345 678 ext 2", "không hợp lệ"),
        (912345678.5, "không hợp lệ"),
        (-912345678, "không hợp lệ"),
        (True, "không hợp lệ"),
    ],
)
def test_normalize_phone_rejects(raw: str | float, message: str) -> None:
    with pytest.raises(ValueError, match="Số điện thoại không hợp lệ") as error:
        normalize_phone(raw)
    assert message in str(error.value)


phones = st.from_regex(r"0[3-9][0-9]{8}", fullmatch=True)


@given(phones, st.sampled_from(["{}", "+84 {}", "84{}", "{} ", "{}.0"]), st.booleans())
def test_normalize_phone_round_trip(phone: str, template: str, drop_zero: bool) -> None:
    national = phone[1:] if drop_zero or "84" in template else phone
    assert normalize_phone(template.format(national)) == phone
    assert normalize_phone(phone) == phone
    assert normalize_phone(int(phone)) == phone


@given(st.one_of(st.text(), st.integers(), st.floats()))
def test_normalize_phone_idempotent_or_value_error(raw: str | float) -> None:
    try:
        result = normalize_phone(raw)
    except ValueError:
        return
    if result is not None:
        assert len(result) == 10
        assert result.isascii()
        assert result.isdigit()
        assert normalize_phone(result) == result
