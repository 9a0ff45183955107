"""The garbage detector: which text layers are trusted and which are sent to OCR."""

from __future__ import annotations

import pytest

from hoiso.documents.pipeline.quality import assess_text
from tests.documents import corpus

GOOD = "\n".join(corpus.RESOLUTION_LINES)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (corpus.TCVN3_TEXT, "tcvn3"),
        (corpus.VNI_TEXT, "vni"),
        (corpus.VNI_ASCII_TEXT, "vni_ascii"),
        (corpus.CID_TEXT, "cid"),
        ("H?i Li?n hi?p Ph? n? t?nh Th?i Nguy?n ngh? quy?t v? chuy?n ??i s?", "replacement"),
        ("\ufffd" * 40 + " Hội Liên hiệp Phụ nữ tỉnh Thái Nguyên", "replacement"),
        ("\ue001\ue002\ue003" * 20 + " Hội Liên hiệp Phụ nữ", "replacement"),
        ("", "empty"),
        ("Số 12   \n\n  ", "empty"),
    ],
)
def test_garbage_layers_are_rejected_with_their_reason(text: str, reason: str) -> None:
    quality = assess_text(text)
    assert not quality.usable
    assert quality.reason == reason


@pytest.mark.parametrize(
    "text",
    [
        GOOD,
        GOOD.upper(),
        # decomposed (NFD) Unicode, as some PDF producers write it
        __import__("unicodedata").normalize("NFD", GOOD),
        # Vietnamese with codes and numbers that look like VNI tone keys but are not
        "Phòng chống cúm gia cầm H5N1 và COVID-19; in khổ giấy A4, mẫu B52, phụ lục V1, "
        "mã số 12-NQ/HPN ngày 05/3/2026, điều 3 khoản 2.",
        # English, and a German name or two in a Vietnamese text
        "The union's digital transformation plan for 2026 covers records and archives.",
        "Dự án do tổ chức GIZ (Đức) tài trợ, chuyên gia Müller và Schäfer hướng dẫn "
        "Hội Liên hiệp Phụ nữ tỉnh về lưu trữ văn bản điện tử trong toàn tỉnh năm nay.",
        # a table read row by row from a spreadsheet-made PDF
        "STT\tNội dung\tĐơn vị\n1\tSố hóa hồ sơ\tHội LHPN xã Đại Từ\n2\tTập huấn\tPhổ Yên",
    ],
)
def test_real_text_is_trusted(text: str) -> None:
    quality = assess_text(text)
    assert quality.usable, quality


def test_a_few_stray_symbols_do_not_condemn_a_page() -> None:
    text = GOOD + " © 2026 · trang 1/3 · 25°C ± 2"
    assert assess_text(text).usable


def test_mixed_page_mostly_garbage_is_rejected() -> None:
    text = "Trang 1\n" + corpus.TCVN3_TEXT * 3
    assert assess_text(text).reason == "tcvn3"
