"""Step 3: is a PDF's text layer worth keeping, or garbage that OCR must replace?

A text layer lies in several ways, each with its own mark:

* nothing or next to nothing (a scan, or a scan with a stamp's few words);
* ``(cid:NN)`` placeholders, U+FFFD replacement characters, private-use code points,
  control characters or ``?`` inside words: the extractor had no Unicode map for the font;
* a legacy 8-bit Vietnamese font (TCVN3/ABC, VNI-Windows) read as Latin-1: "NghÞ quyÕt",
  "Th¸i Nguyªn" (TCVN3) or "Nghò quyeát", "Thaùi Nguyeân" (VNI). The glyphs look right on the
  page, the code points are symbols (¸ µ ¶ · ¹ ¨ © ª « ¬ ®) and Latin letters that Vietnamese
  never uses (Þ Õ÷ ä å ñ ö ø …) in a large share of the words;
* VNI typed as plain ASCII (the tone keys left in): "Vie65t Nam", "Tha1i Nguye6n": a letter, a
  vowel (or d, for đ) then one or two digits 1–9 inside a word, in many words.

Vietnamese written in Unicode uses a closed alphabet (a–z, đ and the vowels with their marks),
so "letters outside the Vietnamese alphabet in a good share of the words" is a strong sign. The
thresholds are shares of words, so a German loan word or a model number ("H5N1", "A4") does
not condemn a page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["TextQuality", "assess_text"]

VIETNAMESE_LETTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzđàáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ"
)
# The code points that TCVN3 (ABC) puts where Unicode has symbols: ¸=á µ=à ¶=ả ·=ã ¹=ạ ¨=ă ©=â
# ª=ê «=ô ¬=ơ ­=ư ®=đ … A Unicode Vietnamese text has none of them inside words.
TCVN3_SYMBOLS = frozenset("¡¢£¤¥¦§¨©ª«¬\xad®¯°±²³´µ¶·¸¹º»¼½¾¿×÷")
CID = re.compile(r"\(cid:\d+\)")
WORD = re.compile(r"[^\W_]+(?:[?\ufffd\u00a1-\u00bf\u00d7\u00f7\xad][^\W_]*)*|\(cid:\d+\)")
# VNI typed as ASCII: "Vie65t", "ti3nh", "d9o63i", "Ho65i" (letter(s), vowel or d, digits, …).
VNI_ASCII = re.compile(r"^[A-Za-z]*[aeiouyAEIOUYdD][1-9]{1,2}[A-Za-z]*$")

MIN_LETTERS = 20  # fewer letters than this: no usable text (a scan, or a stamp's few words)
BAD_SHARE = 0.15  # share of words that carry a mark of garbage above which the layer is garbage
BAD_CHAR_SHARE = 0.02  # share of characters that are replacement/private-use/control


@dataclass(frozen=True)
class TextQuality:
    """The verdict on a text layer: ``usable`` or not, and why (``reason``, for logs and tests).

    ``reason`` is one of: ``ok``, ``empty``, ``cid``, ``replacement``, ``tcvn3``, ``vni``,
    ``vni_ascii``. ``bad_share`` is the share of words (or characters) judged bad.
    """

    usable: bool
    reason: str
    words: int = 0
    bad_share: float = 0.0


def _is_foreign_letter(char: str) -> bool:
    """A Latin-1/Latin Extended letter that the Vietnamese alphabet does not have."""
    lower = char.lower()
    return "\u00c0" <= char <= "\u024f" and lower not in VIETNAMESE_LETTERS


def _has_tcvn3_mark(word: str) -> bool:
    return any(c in TCVN3_SYMBOLS for c in word)


def _has_foreign_letter(word: str) -> bool:
    return any(_is_foreign_letter(c) for c in word)


def assess_text(text: str) -> TextQuality:
    """Judge a text layer (all pages together). See the module docstring for the rules."""
    text = unicodedata.normalize("NFC", text)
    letters = sum(1 for c in text if c.isalpha())
    cids = CID.findall(text)
    if len(cids) >= 3 and sum(map(len, cids)) / len(text) > BAD_CHAR_SHARE:
        return TextQuality(False, "cid", len(cids), sum(map(len, cids)) / len(text))
    broken = sum(
        1
        for c in text
        if c == "\ufffd"
        or "\ue000" <= c <= "\uf8ff"
        or (unicodedata.category(c) == "Cc" and c not in "\n\r\t\f\v")
    )
    if broken >= 3 and broken / max(len(text), 1) > BAD_CHAR_SHARE:
        return TextQuality(False, "replacement", letters, broken / len(text))
    if letters < MIN_LETTERS:
        return TextQuality(False, "empty", letters, 0.0)
    words = [w for w in WORD.findall(text) if any(c.isalpha() for c in w)]
    total = max(len(words), 1)
    question = sum(1 for w in words if "?" in w.strip("?"))
    if question >= 3 and question / total > BAD_SHARE:
        return TextQuality(False, "replacement", len(words), question / total)
    tcvn3 = sum(1 for w in words if _has_tcvn3_mark(w))
    foreign = sum(1 for w in words if _has_foreign_letter(w) or _has_tcvn3_mark(w))
    if foreign >= 3 and foreign / total > BAD_SHARE:
        # TCVN3 shows its symbols (¸ µ ¨ ª …); VNI read as Latin-1 shows letters (ä ö ø ñ …).
        reason = "tcvn3" if tcvn3 * 2 >= foreign else "vni"
        return TextQuality(False, reason, len(words), foreign / total)
    vni_ascii = sum(1 for w in words if VNI_ASCII.match(w) and sum(c.isalpha() for c in w) >= 2)
    if vni_ascii >= 3 and vni_ascii / total > BAD_SHARE:
        return TextQuality(False, "vni_ascii", len(words), vni_ascii / total)
    return TextQuality(True, "ok", len(words), foreign / total)
