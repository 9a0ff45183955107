"""Vietnamese text: normalisation, search folding, name sorting and phone numbers.

This module is the only place that folds, normalises or builds sort keys for Vietnamese text;
everything else calls it. Pure standard library.

Choices made here (see the function docstrings for details):

* Tone-mark placement: the *old* (traditional) style, "hòa", "khỏe", "thủy". It is Unikey's
  default and what most people type, so most stored data already
  looks like that. "qu" and "gi" are consonants: "quý", "quỹ", "già" (never "qúy", "qũy", "gìa").
* Tone order for sorting: the dictionary order ngang, huyền, hỏi, ngã, sắc, nặng
  (a, à, ả, ã, á, ạ), as in the Vietnamese dictionaries and in CLDR/ICU's "vi" collation.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Final

__all__ = [
    "NameSortKey",
    "fold",
    "name_sort_key",
    "name_sort_string",
    "nfc",
    "normalize_phone",
    "search_terms",
    "title_name",
]

# --- letters and marks -------------------------------------------------------------------------

# Combining tone marks in dictionary order: huyền, hỏi, ngã, sắc, nặng (ngang has no mark).
_TONE_MARKS: Final = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")
_TONE_RANK: Final[dict[str, int]] = {mark: rank for rank, mark in enumerate(_TONE_MARKS, 1)}
# Breve (ă), circumflex (â ê ô) and horn (ơ ư) make letters of the alphabet, not tones.
_SHAPE_MARKS: Final = frozenset("\u0306\u0302\u031b")
_VOWELS: Final = frozenset("aăâeêioôơuưy")
_HATTED_VOWELS: Final = frozenset("ăâêôơư")

# Legacy Windows-1258 text decoded as Latin-1 turns Đ/đ into the Icelandic eth Ð/ð.
_ETH_TO_DJE: Final = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111"})
_DJE_TO_D: Final = str.maketrans({"\u0111": "d", "\u0110": "d", "\u00f0": "d", "\u00d0": "d"})

# A word: letters plus any combining marks that follow (or precede, in broken input).
_WORD_RE: Final = re.compile(
    r"(?:[^\W\d_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])+"
)

# One syllable, lower case, tone removed: initial consonant, vowel cluster, final consonant.
# "gi" and "qu" are initials; the regex falls back to "g" + "i" for "gì", "gìn".
_SYLLABLE_RE: Final = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"([aăâeêioôơuưy]+)"
    r"(ch|ng|nh|[cmnpt])?"
)
# Vowel clusters that occur without / with a final consonant. Anything else is left untouched,
# so foreign words and typos are never rewritten.
_OPEN_NUCLEI: Final = frozenset((
    "a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oa", "oe", "oi", "ôi", "ơi",
    "ua", "uê", "ui", "uơ", "uy", "ưa", "ưi", "ưu",
    "oai", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu", "iêu", "yêu",
))  # fmt: skip
_CLOSED_NUCLEI: Final = frozenset((
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y",
    "oa", "oă", "oe", "oo", "uâ", "uê", "uô", "uy", "iê", "yê", "ươ", "uyê",
))  # fmt: skip


def _tone_index(syllable: str) -> int | None:
    """Index of the letter that carries the tone in a toneless lower-case syllable (old style)."""
    match = _SYLLABLE_RE.fullmatch(syllable)
    if match is None:
        return None
    initial, nucleus, final = match.group(1) or "", match.group(2), match.group(3) or ""
    if nucleus not in (_CLOSED_NUCLEI if final else _OPEN_NUCLEI):
        return None
    hatted = [i for i, letter in enumerate(nucleus) if letter in _HATTED_VOWELS]
    if hatted:
        index = hatted[-1]  # ươ, ươi, ươu: the tone goes on ơ
    elif len(nucleus) == 1:
        index = 0
    elif final:
        index = len(nucleus) - 1  # hoàng, huỳnh, xoóng
    elif len(nucleus) == 3:
        index = 1  # ngoài, xoáy, khuỷu
    else:
        index = 0  # old style: hòa, khỏe, thủy (new style would say hoà, khoẻ, thuỷ)
    return len(initial) + index


def _place_tone(word: str) -> str:
    """Move the single tone mark of a Vietnamese syllable onto its conventional letter."""
    letters: list[str] = []
    tone = ""
    for char in unicodedata.normalize("NFD", word):
        if char in _TONE_RANK:
            if tone or not letters:
                return word
            tone = char
        elif char in _SHAPE_MARKS:
            if not letters:
                return word
            shaped = unicodedata.normalize("NFC", letters[-1] + char)
            if len(shaped) != 1 or shaped.lower() not in _VOWELS:
                return word
            letters[-1] = shaped
        elif unicodedata.category(char).startswith("M"):
            return word
        else:
            letters.append(char)
    if not tone:
        return word
    index = _tone_index("".join(letters).lower())
    if index is None:
        return word
    letters[index] += tone
    return unicodedata.normalize("NFC", "".join(letters))


def _collapse_spaces(text: str) -> str:
    return " ".join(text.split())


# --- normalising and folding -------------------------------------------------------------------


def nfc(text: str) -> str:
    """Return text in NFC with tone marks in the old style ("hòa", "thủy", "khỏe").

    Also repairs Ð/ð (eth) to Đ/đ, collapses runs of whitespace and strips the ends.
    """
    if text.isascii():  # nothing to compose or move: the common case of codes, phones, e-mail
        return _collapse_spaces(text)
    return _nfc(text)


@functools.lru_cache(maxsize=65536)
def _nfc(text: str) -> str:
    # Names, places and labels repeat a great deal in a roster: each distinct one is worked once.
    text = unicodedata.normalize("NFC", text).translate(_ETH_TO_DJE)
    text = _WORD_RE.sub(lambda match: _place_tone(match.group()), text)
    return _collapse_spaces(unicodedata.normalize("NFC", text))


def fold(text: str) -> str:
    """Fold text for search: lower case, no marks, đ→d, single spaces ("Đặng Hoà" → "dang hoa")."""
    if text.isascii():
        return _collapse_spaces(text.lower())
    return _fold(text)


@functools.lru_cache(maxsize=65536)
def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).lower())
    text = "".join(char for char in text if not unicodedata.category(char).startswith("M"))
    text = unicodedata.normalize("NFC", text.translate(_DJE_TO_D))
    return _collapse_spaces(text)


def search_terms(query: str) -> list[str]:
    """Fold a user's search query and split it into terms, dropping empty ones."""
    return fold(query).split()


@functools.lru_cache(maxsize=65536)
def title_name(text: str) -> str:
    """Write a person's name with each word capitalised: "ĐẶNG THỊ ÁNH" → "Đặng Thị Ánh".

    A capital starts every run of letters, so "h'hen niê" → "H'Hen Niê". Idempotent.
    """
    chars: list[str] = []
    in_word = False
    for char in nfc(text).lower():
        if unicodedata.category(char).startswith("M"):
            chars.append(char)  # a mark continues the letter before it
            continue
        is_letter = char.isalpha()
        if is_letter and not in_word:
            titled = char.title()
            char = titled if len(titled) == 1 else char
        chars.append(char)
        in_word = is_letter
    return nfc("".join(chars))


# --- sorting names -----------------------------------------------------------------------------

# Sortable characters in order: digits, then the Vietnamese alphabet with the Latin letters it
# lacks (f j w z) at their Latin places. Each has a two-character ASCII code in the same order.
_ALPHABET: Final = "0123456789aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_RANK: Final[dict[str, int]] = {char: rank for rank, char in enumerate(_ALPHABET)}
_VARIANT_CODES: Final = {
    "ă": "a1",
    "â": "a2",
    "đ": "d1",
    "ê": "e1",
    "ô": "o1",
    "ơ": "o2",
    "ư": "u1",
}
_CODE: Final[dict[int, str]] = {
    rank: _VARIANT_CODES.get(char, char + "0") for char, rank in _RANK.items()
}
_OTHER_RANK: Final = len(_ALPHABET)  # other letters: _OTHER_RANK + code point
# Separators sort before every letter code ("0" and up), and the end of the middle names
# (_GROUP) sorts before the next middle name (_MIDDLE), so shorter lists sort first.
_GROUP: Final = " "
_MIDDLE: Final = "+"
_TONES: Final = "/"

_Part = tuple[tuple[int, ...], tuple[int, ...]]
NameSortKey = tuple[_Part, tuple[_Part, ...], _Part]
"""(given name, middle names, family name); each part is (letter ranks, tone ranks)."""


def _word_part(word: str) -> _Part:
    """Letter ranks and tone ranks (0 = ngang … 5 = nặng) of one lower-case word."""
    ranks: list[int] = []
    tones: list[int] = []
    base = ""
    marks = ""

    def flush() -> None:
        if not base or not base.isalnum():
            return  # punctuation ("-", "'") does not take part in the order
        shaped = unicodedata.normalize("NFC", base + "".join(m for m in marks if m in _SHAPE_MARKS))
        rank = _RANK.get(shaped, _RANK.get(base, _OTHER_RANK + ord(base)))
        ranks.append(rank)
        tones.append(next((_TONE_RANK[m] for m in marks if m in _TONE_RANK), 0))

    for char in unicodedata.normalize("NFD", word):
        if unicodedata.category(char).startswith("M"):
            marks += char
        else:
            flush()
            base, marks = char, ""
    flush()
    return tuple(ranks), tuple(tones)


def name_sort_key(full_name: str) -> NameSortKey:
    """Sort key for a full name, the Vietnamese way: given name, then middle names, then family.

    Each word compares letter by letter in alphabet order (a ă â b c d đ e ê g …), then by its
    tones (ngang, huyền, hỏi, ngã, sắc, nặng) as the tie-breaker. Case and punctuation are ignored.
    """
    parts = [part for word in nfc(full_name).lower().split() if (part := _word_part(word))[0]]
    empty: _Part = ((), ())
    if not parts:
        return empty, (), empty
    if len(parts) == 1:
        return parts[0], (), empty
    return parts[-1], tuple(parts[1:-1]), parts[0]


def _encode_part(part: _Part) -> str:
    ranks, tones = part
    letters = "".join(_CODE.get(rank) or f"~{rank - _OTHER_RANK:06x}" for rank in ranks)
    return letters + _TONES + "".join(str(tone) for tone in tones)


@functools.lru_cache(maxsize=65536)
def name_sort_string(full_name: str) -> str:
    """ASCII string whose byte order equals the order of name_sort_key, for an indexed column.

    Store it in a column with a byte-wise collation (PostgreSQL "C", SQLite's default BINARY).
    """
    given, middles, family = name_sort_key(full_name)
    middle = _MIDDLE.join(_encode_part(part) for part in middles)
    return _GROUP.join((_encode_part(given), middle, _encode_part(family)))


# --- phone numbers -----------------------------------------------------------------------------

# 11-digit mobile prefixes renumbered to 10 digits in 2018 (last seven digits unchanged).
_RENUMBERED_2018: Final[dict[str, str]] = {
    "0120": "070", "0121": "079", "0122": "077", "0126": "076", "0128": "078",
    "0123": "083", "0124": "084", "0125": "085", "0127": "081", "0129": "082",
    "0162": "032", "0163": "033", "0164": "034", "0165": "035", "0166": "036",
    "0167": "037", "0168": "038", "0169": "039",
    "0186": "056", "0188": "058", "0199": "059",
}  # fmt: skip
_PHONE_SEPARATORS_RE: Final = re.compile(r"[\s.\-\u2010-\u2015()/]")
_SPREADSHEET_FLOAT_RE: Final = re.compile(r"\+?\d+\.0+")


def normalize_phone(raw: str | float) -> str | None:
    """Return a Vietnamese phone number as 10 digits "0xxxxxxxxx", or None if it is empty.

    Accepts +84/84/0084 prefixes, separators, a lost leading 0 and spreadsheet floats; raises
    ValueError with a Vietnamese message for anything else (old 11-digit numbers, landlines).
    """
    if isinstance(raw, float):
        if math.isnan(raw):
            return None
        if not raw.is_integer() or raw < 0:
            raise ValueError(f"Số điện thoại không hợp lệ: {raw}")
        text = str(int(raw))
    elif isinstance(raw, int) and not isinstance(raw, bool):
        if raw < 0:
            raise ValueError(f"Số điện thoại không hợp lệ: {raw}")
        text = str(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        if not text:
            return None
        if _SPREADSHEET_FLOAT_RE.fullmatch(text):
            text = text.split(".")[0]
    shown = text
    digits = _PHONE_SEPARATORS_RE.sub("", text)

    if digits.startswith("+"):
        if not digits.startswith("+84"):
            raise ValueError(f"Số điện thoại không hợp lệ: {shown} (chỉ nhận số Việt Nam, +84)")
        national = digits[3:].removeprefix("0")  # "+84 0912 …" happens
    elif digits.startswith("0084"):
        national = digits[4:].removeprefix("0")
    elif digits.startswith("84") and len(digits) >= 11:
        national = digits[2:].removeprefix("0")
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        national = digits  # a spreadsheet dropped the leading 0
    if not (national.isascii() and national.isdigit()):
        raise ValueError(f"Số điện thoại không hợp lệ: {shown}")

    number = "0" + national
    if len(number) == 11 and number.startswith("01"):
        new_prefix = _RENUMBERED_2018.get(number[:4])
        hint = f"; số mới có thể là {new_prefix}{number[4:]}" if new_prefix else ""
        raise ValueError(
            f"Số điện thoại không hợp lệ: {shown} là số 11 chữ số cũ, "
            f"đã chuyển sang 10 chữ số từ năm 2018{hint}"
        )
    if len(number) == 11 and number.startswith("02"):
        raise ValueError(
            f"Số điện thoại không hợp lệ: {shown} là số cố định 11 chữ số; "
            "hãy nhập số di động 10 chữ số"
        )
    if len(number) != 10:
        raise ValueError(f"Số điện thoại không hợp lệ: {shown} (cần 10 chữ số, bắt đầu bằng 0)")
    if number[1] in "012":  # 00 international, 01 old or service numbers, 02 landlines
        raise ValueError(f"Số điện thoại không hợp lệ: {shown} (đầu số {number[:2]} không đúng)")
    return number
