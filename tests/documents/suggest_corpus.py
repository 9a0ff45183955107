"""First pages with their true metadata, to measure how often each suggestion is right.

Built, not collected: issuers (province, commune unions, standing committees, outside bodies),
types, number formats, date formats and summaries are combined in three layouts (columns read
side by side as ``pdftotext -layout`` gives them, columns read one after the other as OCR gives
them, the motto read first), then a seeded share of pages gets OCR slips: marks dropped on some
words, đ→d, "Số" read as "S6"/"So", a date line broken before "năm", a space inside the
notation, a letter O for a zero, mojibake (UTF-8 read as cp1252). The same cases feed
tests/documents/test_suggest_corpus.py (floors per field) and bench/documents_suggest.py.

Caveat: written by the author of the rules it measures; real scans will do worse on layouts
nobody thought of. Add failing real pages here when they turn up.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from hoiso.core.vietnamese import fold

MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]

# heading lines as printed, the issuer as suggest_metadata writes it, place, notation suffix
ISSUERS: list[tuple[list[str], str, str, str]] = [
    (["HỘI LIÊN HIỆP PHỤ NỮ", "TỈNH THÁI NGUYÊN"], "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THÁI NGUYÊN",
     "Thái Nguyên", "HPN"),
    (["HỘI LHPN TỈNH THÁI NGUYÊN", "BAN THƯỜNG VỤ"], "HỘI LHPN TỈNH THÁI NGUYÊN - BAN THƯỜNG VỤ",
     "Thái Nguyên", "HPN"),
    (["HỘI LHPN VIỆT NAM", "BAN CHẤP HÀNH TỈNH THÁI NGUYÊN"],
     "HỘI LHPN VIỆT NAM - BAN CHẤP HÀNH TỈNH THÁI NGUYÊN", "Thái Nguyên", "HLHPN"),
    (["HỘI LHPN TỈNH THÁI NGUYÊN", "HỘI LHPN PHƯỜNG PHỔ YÊN"],
     "HỘI LHPN TỈNH THÁI NGUYÊN - HỘI LHPN PHƯỜNG PHỔ YÊN", "Phổ Yên", "HPN"),
    (["HỘI LHPN XÃ ĐẠI TỪ"], "HỘI LHPN XÃ ĐẠI TỪ", "Đại Từ", "HPN"),
    (["HỘI LHPN TỈNH THÁI NGUYÊN", "VĂN PHÒNG"], "HỘI LHPN TỈNH THÁI NGUYÊN - VĂN PHÒNG",
     "Thái Nguyên", "VP"),
    (["HỘI LIÊN HIỆP PHỤ NỮ", "XÃ PHÚ BÌNH"], "HỘI LIÊN HIỆP PHỤ NỮ XÃ PHÚ BÌNH", "Phú Bình",
     "HLHPN"),
    (["UBND TỈNH THÁI NGUYÊN", "SỞ NỘI VỤ"], "UBND TỈNH THÁI NGUYÊN - SỞ NỘI VỤ", "Thái Nguyên",
     "SNV"),
    (["TỈNH ỦY THÁI NGUYÊN", "BAN DÂN VẬN"], "TỈNH ỦY THÁI NGUYÊN - BAN DÂN VẬN", "Thái Nguyên",
     "BDVTU"),
    (["HỘI LHPN VIỆT NAM", "ĐOÀN CHỦ TỊCH"], "HỘI LHPN VIỆT NAM - ĐOÀN CHỦ TỊCH", "Hà Nội",
     "ĐCT"),
    (["HỘI LHPN PHƯỜNG PHỔ YÊN", "CHI HỘI TỔ DÂN PHỐ 1"],
     "HỘI LHPN PHƯỜNG PHỔ YÊN - CHI HỘI TỔ DÂN PHỐ 1", "Phổ Yên", "CH"),
    (["HỘI LHPN XÃ VÕ NHAI"], "HỘI LHPN XÃ VÕ NHAI", "Võ Nhai", "HPN"),
]  # fmt: skip

# code, title as printed (None: a letter with "V/v"), notation pattern
TYPES: list[tuple[str, str | None, str]] = [
    ("NQ", "NGHỊ QUYẾT", "{n}-NQ/{s}"),
    ("KH", "KẾ HOẠCH", "{n}/KH-{s}"),
    ("BC", "BÁO CÁO", "{n}/BC-{s}"),
    ("QĐ", "QUYẾT ĐỊNH", "{n}/QĐ-{s}"),
    ("TB", "THÔNG BÁO", "{n}-TB/{s}"),
    ("HD", "HƯỚNG DẪN", "{n}-HD/{s}"),
    ("CTr", "CHƯƠNG TRÌNH", "{n}-CTr/{s}"),
    ("TTr", "TỜ TRÌNH", "{n}/TTr-{s}"),
    ("CT", "CHỈ THỊ", "{n}-CT/{s}"),
    ("BB", "BIÊN BẢN", "{n}/BB-{s}"),
    ("GM", "GIẤY MỜI", "{n}/GM-{s}"),
    ("CV", None, "{n}/{s}-TC"),
    ("QC", "QUY CHẾ", "{n}-QC/{s}"),
    ("KH", "KẾ HOẠCH", "{n}-KH/{s}"),
    ("ĐA", "ĐỀ ÁN", "{n}-ĐA/{s}"),
    ("CV", None, "{n}/{s}"),
]

SUMMARIES: list[list[str]] = [
    ["Về chuyển đổi số trong hoạt động Hội giai đoạn 2026 - 2030"],
    ["Về việc tổ chức Hội nghị sơ kết công tác Hội", "6 tháng đầu năm 2026"],
    ["Triển khai thực hiện Đề án hỗ trợ phụ nữ khởi nghiệp"],
    ["Về việc kiện toàn Ban Chấp hành Hội LHPN xã nhiệm kỳ 2021 - 2026"],
    ["Tổ chức các hoạt động hưởng ứng Tháng hành động vì bình đẳng giới",
     "và phòng ngừa, ứng phó với bạo lực trên cơ sở giới năm 2025"],
    ["Kết quả công tác Hội và phong trào phụ nữ năm 2025,", "phương hướng nhiệm vụ năm 2026"],
    ["Về việc khen thưởng tập thể, cá nhân có thành tích xuất sắc"],
    ["Về tăng cường công tác phát triển hội viên"],
    ["Về việc đề nghị cấp kinh phí hoạt động năm 2026"],
    ["Hướng dẫn thu, nộp và quản lý hội phí"],
    ["Về việc triển khai Cuộc vận động xây dựng gia đình 5 không 3 sạch"],
    ["Về việc tham gia Hội thi tuyên truyền viên giỏi cấp tỉnh"],
    ["Về công tác tuyên truyền, giáo dục chính trị tư tưởng", "cho cán bộ, hội viên, phụ nữ"],
    ["Về việc cử cán bộ tham dự lớp tập huấn nghiệp vụ"],
    ["Về việc báo cáo số liệu hội viên quý I năm 2026"],
    ["Về ban hành Quy chế làm việc của Ban Chấp hành"],
]  # fmt: skip

BODY = [
    "Căn cứ Điều lệ Hội Liên hiệp Phụ nữ Việt Nam;",
    "Căn cứ Nghị quyết Đại hội đại biểu phụ nữ tỉnh lần thứ XV, nhiệm kỳ 2021 - 2026;",
    "Thực hiện Kế hoạch số 12/KH-ĐCT ngày 10/01/2026 của Đoàn Chủ tịch Trung ương Hội;",
]
LETTER_BODY = ["Kính gửi: Hội LHPN các xã, phường", "", "Thực hiện chương trình công tác năm 2026,"]


@dataclass
class Case:
    name: str
    text: str
    truth: dict[str, Any]
    slips: list[str] = field(default_factory=list)


def mojibake(text: str) -> str:
    """UTF-8 read as Windows-1252 (undefined bytes kept as C1 controls, as Windows does)."""
    out = []
    for byte in text.encode("utf-8"):
        try:
            out.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(byte))
    return "".join(out)


def _unmark(word: str) -> str:
    """A word as OCR reads it without its marks (đ kept: a separate slip)."""
    out = []
    for char in word:
        if char in "đĐ":
            out.append(char)
            continue
        f = fold(char) if not char.isspace() else char
        f = f if len(f) == 1 else char
        out.append(f.upper() if char.isupper() else f)
    return "".join(out)


def _drop_marks(text: str, rng: random.Random, share: float) -> str:
    lines = []
    for line in text.split("\n"):
        words = line.split(" ")
        lines.append(" ".join(_unmark(w) if rng.random() < share else w for w in words))
    return "\n".join(lines)


def _date_text(date: dt.date, style: int) -> str:
    if style == 0:
        return f"ngày {date.day:02d} tháng {date.month} năm {date.year}"
    if style == 1:
        return f"ngày {date.day} tháng {date.month:02d} năm {date.year}"
    if style == 2:
        return f"ngày {date.day}/{date.month}/{date.year}"
    return f"ngày {date.day:02d}-{date.month:02d}-{date.year}"


def _pad(left: str, right: str, width: int = 46) -> str:
    return f"{left:<{width}}{right}".rstrip() if right else left


def build_cases(count: int = 72, seed: int = 20260305) -> list[Case]:
    rng = random.Random(seed)
    cases: list[Case] = []
    for i in range(count):
        heading, issuer, place, suffix = ISSUERS[i % len(ISSUERS)]
        code, title, pattern = TYPES[(i * 5) % len(TYPES)]
        summary_lines = SUMMARIES[(i * 7) % len(SUMMARIES)]
        number = rng.choice([1, 3, 7, 12, 25, 45, 103, 260])
        raw_number = f"{number:02d}" if rng.random() < 0.3 else str(number)
        notation_full = pattern.format(n=raw_number, s=suffix)
        sep_at = len(raw_number)
        notation = notation_full[sep_at + 1 :]
        date = dt.date(rng.choice([2024, 2025, 2026]), rng.randint(1, 12), rng.randint(1, 28))
        date_text = _date_text(date, i % 4)
        layout = ("columns", "sequential", "motto-first")[i % 3]
        number_line = f"Số: {notation_full}"
        date_line = f"{place}, {date_text}"
        slips: list[str] = []

        summary_text = summary_lines
        summary_block = ["V/v " + summary_lines[0], *summary_lines[1:]] if title is None else []

        lines: list[str] = []
        left = [*heading, "-------"] if rng.random() < 0.7 else list(heading)
        right = [*MOTTO, "---------------"]
        if layout == "columns":
            rows = max(len(left), len(right))
            for r in range(rows):
                lines.append(
                    _pad(left[r] if r < len(left) else "", right[r] if r < len(right) else "")
                )
            lines.append(_pad(number_line, date_line))
            lines.extend(summary_block)
        elif layout == "sequential":
            lines.extend(left)
            lines.append(number_line)
            lines.extend(summary_block)
            lines.append("")
            lines.extend(right)
            lines.append(date_line)
        else:
            lines.extend(right)
            lines.extend(left)
            lines.append(number_line)
            lines.extend(summary_block)
            lines.append(date_line)
        lines.append("")
        if title is not None:
            lines.append(title)
            lines.extend(summary_text)
            lines.append("-----" if rng.random() < 0.5 else "")
            lines.extend(BODY[: 1 + i % 3])
        else:
            lines.extend(LETTER_BODY)
        text = "\n".join(lines)

        # OCR slips, each on its own share of the pages
        if rng.random() < 0.35:
            text = _drop_marks(text, rng, share=0.3)
            slips.append("marks")
        if rng.random() < 0.2:
            text = text.replace("đ", "d").replace("Đ", "D")
            slips.append("đ→d")
        if rng.random() < 0.25:
            text = text.replace("Số:", rng.choice(["S6:", "So:", "Sô:", "Sé :", "Số"]), 1)
            slips.append("số")
        if rng.random() < 0.15 and f" năm {date.year}" in text:
            text = text.replace(f" năm {date.year}", f"\nnăm {date.year}", 1)
            slips.append("date broken")
        if rng.random() < 0.1:
            text = text.replace(notation_full, notation_full.replace("/", " / ", 1), 1)
            slips.append("spaced notation")
        if rng.random() < 0.08:
            text = text.replace(str(date.year), str(date.year).replace("0", "O"), 1)
            slips.append("O for 0")
        if rng.random() < 0.15:
            mark = rng.choice(["KHẨN", "MẬT", "HỎA TỐC"])
            text = text.replace(
                number_line.split(":")[0], f"{mark}\n" + number_line.split(":")[0], 1
            )
            slips.append("mark line")
        if rng.random() < 0.15 and title is not None:
            text = text.replace(f"{title}\n", f"{title} ", 1)
            slips.append("title joined")
        if rng.random() < 0.12:
            junk = rng.choice(["|", "— ·", "' .", "ii"])
            text = f"{junk}\n" + text.replace("\n\n", f"\n{junk}\n", 1)
            slips.append("stray marks")
        if rng.random() < 0.1 and title is None:
            text = text.replace("V/v ", rng.choice(["V/V ", "V/v: ", "V/y "]), 1)
            slips.append("v/v")
        if rng.random() < 0.1 and str(number).startswith("1"):
            text = text.replace(f": {raw_number}", f": l{raw_number[1:]}", 1)
            slips.append("l for 1")
        if rng.random() < 0.1:
            text = text.replace("ngày ", "ngày  ", 1).replace(" tháng ", " thảng ", 1)
            slips.append("date spacing")
        if rng.random() < 0.06:
            text = mojibake(text)
            slips.append("mojibake")

        truth: dict[str, Any] = {
            "doc_type": code,
            "number": number,
            "notation": notation,
            "number_notation": notation_full,
            "issue_date": date.isoformat(),
            "issue_place": place,
            "issuer": issuer,
            "summary": " ".join(summary_text),
        }
        cases.append(Case(f"{i:02d}-{code}-{layout}", text, truth, slips))
    cases.extend(HAND_WRITTEN)
    return cases


HAND_WRITTEN: list[Case] = [
    Case(
        "resolution-scan",
        "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THÁI NGUYÊN\nBAN THƯỜNG VỤ\n***\nSố: 12-NQ/HPN\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n\n"
        "Thái Nguyên, ngày 05 tháng 3 năm 2026\n\nNGHỊ QUYẾT\n"
        "Về chuyển đổi số trong hoạt động Hội\n\nCăn cứ Điều lệ Hội LHPN Việt Nam;\n",
        {
            "doc_type": "NQ", "number": 12, "notation": "NQ/HPN", "number_notation": "12-NQ/HPN",
            "issue_date": "2026-03-05", "issue_place": "Thái Nguyên",
            "issuer": "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THÁI NGUYÊN - BAN THƯỜNG VỤ",
            "summary": "Về chuyển đổi số trong hoạt động Hội",
        },
    ),
    Case(
        "report-no-marks",
        "HOI LHPN TINH THAI NGUYEN\nSo: 03/BC-HPN\nCONG HOA XA HOI CHU NGHIA VIET NAM\n"
        "Doc lap - Tu do - Hanh phuc\nThai Nguyen, ngay 5/3/2026\n\nBAO CAO\n"
        "Ket qua cong tac Hoi quy I nam 2026\n\nI. KET QUA\n",
        {
            "doc_type": "BC", "number": 3, "notation": "BC-HPN", "number_notation": "03/BC-HPN",
            "issue_date": "2026-03-05", "issue_place": "Thai Nguyen",
            "issuer": "HOI LHPN TINH THAI NGUYEN",
            "summary": "Ket qua cong tac Hoi quy I nam 2026",
        },
    ),
    Case(
        "plan-mojibake",
        mojibake("HỘI LHPN TỈNH THÁI NGUYÊN\nSố: 45/KH-HLHPN\n")
        + mojibake("Thái Nguyên, ngày 12 tháng 10 năm 2025\n")
        + mojibake("KẾ HOẠCH\nTổ chức Ngày Phụ nữ Việt Nam 20/10\n\n1. Mục đích\n"),
        {
            "doc_type": "KH", "number": 45, "notation": "KH-HLHPN",
            "number_notation": "45/KH-HLHPN", "issue_date": "2025-10-12",
            "issue_place": "Thái Nguyên", "issuer": "HỘI LHPN TỈNH THÁI NGUYÊN",
            "summary": "Tổ chức Ngày Phụ nữ Việt Nam 20/10",
        },
    ),
]  # fmt: skip


def normalise(field_name: str, value: Any) -> Any:
    """What counts as equal: folded text for names (OCR loses marks that no rule can restore)."""
    if value is None:
        return None
    if field_name in ("number", "issue_date", "doc_type"):
        return value
    return " ".join(fold(str(value)).replace(" - ", " ").split()).strip(" ,.;:")


def score(cases: list[Case], suggest: Any) -> dict[str, dict[str, float]]:
    """Per field: share right (folded), share right exactly, share suggested at all."""
    fields = list(cases[0].truth)
    right = dict.fromkeys(fields, 0)
    exact = dict.fromkeys(fields, 0)
    given = dict.fromkeys(fields, 0)
    for case in cases:
        got = suggest(case.text)
        for name in fields:
            if name in got:
                given[name] += 1
            if normalise(name, got.get(name)) == normalise(name, case.truth[name]):
                right[name] += 1
            if got.get(name) == case.truth[name]:
                exact[name] += 1
    n = len(cases)
    return {
        name: {"right": right[name] / n, "exact": exact[name] / n, "given": given[name] / n}
        for name in fields
    }


# Written after the rules were tuned on the cases above and never tuned on: the figures on
# these are the honest ones for layouts the rules did not see.
HELD_OUT: list[Case] = [
    Case(
        "held-merged-single-space",
        "HỘI LHPN TỈNH THÁI NGUYÊN CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM\n"
        "BAN THƯỜNG VỤ Độc lập - Tự do - Hạnh phúc\n"
        "Số: 08-NQ/HPN Thái Nguyên, ngày 14 tháng 02 năm 2026\n\nNGHỊ QUYẾT\n"
        "Về nâng cao chất lượng sinh hoạt chi hội\n\nCăn cứ Điều lệ Hội;\n",
        {
            "doc_type": "NQ", "number": 8, "notation": "NQ/HPN", "number_notation": "08-NQ/HPN",
            "issue_date": "2026-02-14", "issue_place": "Thái Nguyên",
            "issuer": "HỘI LHPN TỈNH THÁI NGUYÊN - BAN THƯỜNG VỤ",
            "summary": "Về nâng cao chất lượng sinh hoạt chi hội",
        },
    ),
    Case(
        "held-letter-space-before-slash",
        "HỘI LIÊN HIỆP PHỤ NỮ\nTỈNH THÁI NGUYÊN\n\nSố: 156 /HPN-TGCS\n"
        "V/v hướng dẫn tổ chức các hoạt động\nkỷ niệm ngày Quốc tế Phụ nữ 8/3\n\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Thái Nguyên, ngày 20 tháng 02 năm 2026\n\nKính gửi: Hội LHPN các xã, phường\n",
        {
            "doc_type": "CV", "number": 156, "notation": "HPN-TGCS",
            "number_notation": "156/HPN-TGCS", "issue_date": "2026-02-20",
            "issue_place": "Thái Nguyên", "issuer": "HỘI LIÊN HIỆP PHỤ NỮ TỈNH THÁI NGUYÊN",
            "summary": "hướng dẫn tổ chức các hoạt động kỷ niệm ngày Quốc tế Phụ nữ 8/3",
        },
    ),
    Case(
        "held-decision",
        "HỘI LHPN TỈNH THÁI NGUYÊN\nBAN THƯỜNG VỤ\nSố: 27/QĐ-HPN\n"
        "Thái Nguyên, ngày 02 tháng 4 năm 2026\n\nQUYẾT ĐỊNH\n"
        "Về việc thành lập Ban Tổ chức Hội thi\n\"Phụ nữ với chuyển đổi số\"\n\n"
        "BAN THƯỜNG VỤ HỘI LIÊN HIỆP PHỤ NỮ TỈNH\n\nCăn cứ Điều lệ Hội;\n",
        {
            "doc_type": "QĐ", "number": 27, "notation": "QĐ-HPN", "number_notation": "27/QĐ-HPN",
            "issue_date": "2026-04-02", "issue_place": "Thái Nguyên",
            "issuer": "HỘI LHPN TỈNH THÁI NGUYÊN - BAN THƯỜNG VỤ",
            "summary": "Về việc thành lập Ban Tổ chức Hội thi \"Phụ nữ với chuyển đổi số\"",
        },
    ),
    Case(
        "held-incoming-ubnd",
        "ỦY BAN NHÂN DÂN\nTỈNH THÁI NGUYÊN\n\nSố: 1234/UBND-KGVX\n"
        "V/v triển khai công tác bình đẳng giới năm 2026\n"
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\n"
        "Thái Nguyên, ngày 9 tháng 1 năm 2026\n",
        {
            "doc_type": "CV", "number": 1234, "notation": "UBND-KGVX",
            "number_notation": "1234/UBND-KGVX", "issue_date": "2026-01-09",
            "issue_place": "Thái Nguyên", "issuer": "ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN",
            "summary": "triển khai công tác bình đẳng giới năm 2026",
        },
    ),
    Case(
        "held-report-party-heading",
        "ĐẢNG ĐOÀN HỘI LHPN TỈNH THÁI NGUYÊN\n*\nSố 21-BC/ĐĐ\n\nĐẢNG CỘNG SẢN VIỆT NAM\n"
        "Thái Nguyên, ngày 30 tháng 6 năm 2025\n\nBÁO CÁO\n"
        "Sơ kết công tác 6 tháng đầu năm 2025\n\n-----\nI. Kết quả\n",
        {
            "doc_type": "BC", "number": 21, "notation": "BC/ĐĐ", "number_notation": "21-BC/ĐĐ",
            "issue_date": "2025-06-30", "issue_place": "Thái Nguyên",
            "issuer": "ĐẢNG ĐOÀN HỘI LHPN TỈNH THÁI NGUYÊN",
            "summary": "Sơ kết công tác 6 tháng đầu năm 2025",
        },
    ),
    Case(
        "held-plan-no-marks",
        "HOI LIEN HIEP PHU NU\nXA DAI TU\nSo:15-KH/HPN\nDai Tu, ngay 3 thang 4 nam 2026\n"
        "KE HOACH\nTrien khai cong tac Hoi nam 2026\n1. Muc dich, yeu cau\n",
        {
            "doc_type": "KH", "number": 15, "notation": "KH/HPN", "number_notation": "15-KH/HPN",
            "issue_date": "2026-04-03", "issue_place": "Đại Từ",
            "issuer": "HỘI LIÊN HIỆP PHỤ NỮ XÃ ĐẠI TỪ",
            "summary": "Triển khai công tác Hội năm 2026",
        },
    ),
]  # fmt: skip
