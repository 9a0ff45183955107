"""Metadata suggested from a document's first page: type, number and notation, date and place of
issue, issuer and summary (trích yếu), for the cadre to confirm or correct.

Pure functions over text; no database. Matching runs on a folded copy of the text (lower case,
no marks, đ→d) that keeps every character at its place, so OCR text that lost some diacritics
is read like clean text while the values are cut from the original. Layout follows Decree
30/2020 (appendix I): the issuing body's heading top left, the national motto top right, "Số:"
under the heading, place and date on the right, then the type's title and the summary.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any, Final

from hoiso.core.vietnamese import fold
from hoiso.documents.seed import DOCUMENT_TYPES

# Only the first page matters; OCR of a long document puts a form feed between pages.
MAX_CHARS: Final = 4000
FIELDS: Final = (
    "doc_type",
    "number",
    "notation",
    "number_notation",
    "issue_date",
    "issue_place",
    "issuer",
    "summary",
)

# Type names by folded name, longest first ("quyet dinh" before "quy dinh" is not a prefix
# issue, but "giay gioi thieu" must win over "giay"…). "Khác" is never read from a title.
_TITLES: Final = sorted(
    ((fold(name), code) for code, (name, _years) in DOCUMENT_TYPES.items() if code != "K"),
    key=lambda pair: -len(pair[0]),
)
_CODES_BY_FOLD: Final = {fold(code): code for code in DOCUMENT_TYPES}

# "Số:", also as OCR reads it: "So", "Sô", "S6", "Sé", "S0", "Sỏ" … followed by the number.
_NUMBER_RE: Final = re.compile(
    r"(?<![a-z0-9])s\s?[o06ea]\s*[:.;,]?\s*"
    r"(?P<num>[0-9oil]{1,5})\s*(?P<sep>[-/])\s*"
    r"(?P<notation>[a-z0-9]+(?:\s?[-/.]\s?[a-z0-9]+){0,4})"
)
_DIGITS: Final = str.maketrans({"o": "0", "O": "0", "i": "1", "I": "1", "l": "1"})
_D: Final = r"[0-9oil]"
_DATE_WORDS_RE: Final = re.compile(
    rf"ngay\s*(?P<d>{_D}{{1,2}})\s*thang\s*(?P<m>{_D}{{1,2}})\s*nam\s*(?P<y>{_D}{{4}})"
)
_DATE_NUMERIC_RE: Final = re.compile(
    rf"ngay\s*(?P<d>{_D}{{1,2}})\s*[/.-]\s*(?P<m>{_D}{{1,2}})\s*[/.-]\s*(?P<y>{_D}{{4}})"
)
# Heading lines that are not the issuer: the national motto and the Party's name.
_MOTTO: Final = (
    "cong hoa xa hoi chu nghia viet nam",
    "doc lap - tu do - hanh phuc",
    "doc lap tu do hanh phuc",
    "dang cong san viet nam",
)
# Urgency and secrecy marks printed near the number are not part of the heading.
_MARKS: Final = frozenset(
    ("khan", "thuong khan", "hoa toc", "hoa toc hen gio", "mat", "toi mat", "tuyet mat")
)
# A heading line naming a body inside the organisation on the line above it.
_BODY_WORDS: Final = (
    "ban ", "van phong", "dang doan", "doan chu tich", "bch ", "uy ban", "chi hoi", "to ",
    "hoi ", "so ", "phong ",
)  # fmt: skip
# A summary stops at the first line of the body of the document.
_SUMMARY_STOP: Final = (
    "can cu",
    "kinh gui",
    "thuc hien",
    "dieu ",
    "phan ",
    "noi nhan",
    "ban chap hanh",
    "ban thuong vu",
    "hoi nghi",
    "quyet nghi",
    "quyet dinh:",
    "i.",
    "i/",
    "1.",
    "1/",
    "a.",
)
_DECORATION_RE: Final = re.compile(r"^[\s\-_=*.~–—•·]*$")
_SPLIT_COLUMNS_RE: Final = re.compile(r"\s{3,}|\t+")
_PLACE_RE: Final = re.compile(r"^[^\W\d_][\w .'-]{1,60}$")


def _fold_aligned(text: str) -> str:
    """Fold character by character so that ``result[i]`` is the fold of ``text[i]``."""
    out = []
    for char in text:
        if char.isascii():
            out.append(char.lower())
            continue
        folded = fold(char)
        out.append(folded if len(folded) == 1 else (" " if char.isspace() else char.lower()))
    return "".join(out)


def _prepare(text: str) -> str:
    text = text.split("\f", 1)[0][:MAX_CHARS]
    if "\u00c3" in text or "\u00e1\u00bb" in text or "\u00c4" in text:
        try:
            import ftfy

            text = ftfy.fix_encoding(text)
        except ImportError:  # pragma: no cover - ftfy is a runtime dependency
            pass
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u00a0", " ")


def _upper_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(c.isupper() for c in letters) / len(letters)


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:-–")


def _number(original: str, folded: str) -> tuple[dict[str, Any], int, int] | None:
    """Number and notation from the first "Số: …" with a plausible notation."""
    for match in _NUMBER_RE.finditer(folded):
        notation = original[match.start("notation") : match.end("notation")]
        notation = re.sub(r"\s+", "", notation).strip("-/.")
        if not any(c.isalpha() for c in notation) or not notation[:1].isalpha():
            continue
        if _upper_share(notation) < 0.5:
            continue
        digits = match.group("num").translate(_DIGITS)
        if not digits.isdigit() or int(digits) == 0:
            continue
        raw_number = original[match.start("num") : match.end("num")].translate(_DIGITS)
        values = {
            "number": int(digits),
            "notation": notation,
            "number_notation": f"{raw_number}{match.group('sep')}{notation}",
        }
        return values, match.start(), match.end()
    return None


def _type_from_notation(notation: str) -> str | None:
    for part in re.split(r"[-/.]", notation):
        code = _CODES_BY_FOLD.get(fold(part))
        if code is not None and code != "K":
            return code
    return None


def _date(original: str, folded: str) -> tuple[dt.date, str, int] | None:
    """The issue date (and the place written before it) from the first valid date line."""
    found: list[tuple[int, re.Match[str]]] = []
    for regex in (_DATE_WORDS_RE, _DATE_NUMERIC_RE):
        found.extend((m.start(), m) for m in regex.finditer(folded))
    found.sort(key=lambda pair: pair[0])
    # A date preceded by "<place>," is the issue line; otherwise the first date at all.
    dated: list[tuple[dt.date, re.Match[str]]] = []
    for _start, match in found:
        try:
            day, month, year = (int(match.group(g).translate(_DIGITS)) for g in "dmy")
            date = dt.date(year, month, day)
        except ValueError:
            continue
        if 1945 <= year <= 2100:
            dated.append((date, match))
    if not dated:
        return None
    for date, match in dated:
        place = _place_before(original, folded, match.start())
        if place:
            return date, place, match.start()
    return dated[0][0], "", dated[0][1].start()


def _place_before(original: str, folded: str, at: int) -> str:
    line_start = original.rfind("\n", 0, at) + 1
    before = original[line_start:at].rstrip()
    if not before.endswith(","):
        return ""
    before = before[:-1]
    segment = _SPLIT_COLUMNS_RE.split(before)[-1]
    # "Số: 12-NQ/HPN Thái Nguyên," when two columns were read into one line with one space.
    if _NUMBER_RE.search(_fold_aligned(segment)):
        tokens = segment.split()
        segment = " ".join(t for t in tokens[2:] if not re.search(r"\d", t))
    place = _clean(segment)
    if not _PLACE_RE.match(place) or _is_motto(fold(place)):
        return ""
    return place


def _is_motto(folded_line: str) -> bool:
    line = " ".join(folded_line.replace("–", "-").split())
    return any(m in line or (len(line) > 8 and line in m) for m in _MOTTO)


def _title(lines: list[tuple[str, str]], start: int) -> tuple[str, int, str] | None:
    """The type's title line (an upper-case "NGHỊ QUYẾT", "KẾ HOẠCH" …) from line ``start``."""
    for index in range(start, len(lines)):
        original, folded = lines[index]
        stripped = folded.strip()
        for name, code in _TITLES:
            if stripped == name or stripped.startswith(name + " "):
                offset = folded.index(name)
                head = original[offset : offset + len(name)]
                if _upper_share(head) >= 0.8:
                    rest = _clean(original[offset + len(name) :])
                    return code, index, rest
    return None


def _summary(lines: list[tuple[str, str]], title_index: int, first: str) -> str:
    parts: list[str] = [first] if first else []
    for original, folded in lines[title_index + 1 :]:
        stripped = folded.strip()
        if not stripped:
            if parts:
                break
            continue
        if _DECORATION_RE.match(stripped):
            if parts:
                break
            continue
        if stripped.startswith(_SUMMARY_STOP) and not (
            not parts and stripped.startswith(("hoi nghi", "ban chap hanh", "ban thuong vu"))
        ):
            break
        if sum(c.isalpha() for c in stripped) < 3:  # OCR specks
            continue
        parts.append(original.strip())
        if len(parts) >= 4:
            break
    return _clean(" ".join(parts))


def _vv_summary(lines: list[tuple[str, str]], number_line: int) -> str:
    """A letter's summary: "V/v …" under its number, possibly wrapped over two lines."""
    for index in range(max(0, number_line), min(len(lines), number_line + 6)):
        original, folded = lines[index]
        at = folded.find("v/v")
        if at < 0:
            continue
        parts = [original[at + 3 :]]
        for nxt, nxt_folded in lines[index + 1 : index + 3]:
            s = nxt_folded.strip()
            if (
                not s
                or _DECORATION_RE.match(s)
                or s.startswith(_SUMMARY_STOP)
                or _is_motto(s)
                or _DATE_WORDS_RE.search(s)
                or _DATE_NUMERIC_RE.search(s)
                or sum(c.isalpha() for c in s) < 3
                or _upper_share(nxt) > 0.8
            ):
                break
            parts.append(nxt)
        # The right column (place and date) may share the line: cut at a wide gap.
        parts = [_SPLIT_COLUMNS_RE.split(p.strip())[0] for p in parts]
        return _clean(" ".join(parts))
    return ""


def _issuer(lines: list[tuple[str, str]], end: int) -> str:
    """The heading lines above "Số" (upper case, not the motto), joined as printed."""
    heading: list[str] = []
    for original, _folded in lines[:end]:
        for segment in _SPLIT_COLUMNS_RE.split(original.strip()):
            seg = _clean(segment)
            folded = fold(seg)
            if not seg or _DECORATION_RE.match(seg) or _is_motto(folded) or folded in _MARKS:
                continue
            if _upper_share(seg) < 0.75 or len(seg) < 3:
                continue
            if _NUMBER_RE.search(_fold_aligned(seg)):
                continue
            heading.append(seg)
    heading = heading[-3:]
    out = ""
    for part in heading:
        if not out:
            out = part
        elif fold(part).startswith(_BODY_WORDS):
            out = f"{out} - {part}"
        else:
            out = f"{out} {part}"
    return out


def suggest_metadata(text: str) -> dict[str, Any]:
    """Suggested metadata from a first page; keys are absent when nothing was found.

    Keys: doc_type (a type code such as "NQ"), number (int), notation ("NQ/HPN"),
    number_notation ("12-NQ/HPN"), issue_date (ISO date), issue_place, issuer, summary.
    """
    if not text or not text.strip():
        return {}
    original = _prepare(text)
    folded = _fold_aligned(original)
    raw_lines = original.split("\n")
    folded_lines = folded.split("\n")
    lines = list(zip(raw_lines, folded_lines, strict=True))
    line_starts = []
    position = 0
    for raw in raw_lines:
        line_starts.append(position)
        position += len(raw) + 1

    def line_of(offset: int) -> int:
        index = 0
        for i, start in enumerate(line_starts):
            if start <= offset:
                index = i
        return index

    result: dict[str, Any] = {}
    number = _number(original, folded)
    number_line = None
    if number is not None:
        values, start, _end = number
        result.update(values)
        number_line = line_of(start)
    date = _date(original, folded)
    date_line = None
    if date is not None:
        issue_date, place, at = date
        result["issue_date"] = issue_date.isoformat()
        if place:
            result["issue_place"] = place
        date_line = line_of(at)

    anchors = [i for i in (number_line, date_line) if i is not None]
    title = _title(lines, max(anchors) + 1 if anchors else 0)
    if title is None and anchors:
        title = _title(lines, 0)
    if title is not None:
        code, index, rest = title
        result["doc_type"] = code
        summary = _summary(lines, index, rest)
        if summary:
            result["summary"] = summary
    vv = _vv_summary(lines, number_line if number_line is not None else 0)
    if vv and "summary" not in result:
        result["summary"] = vv
    if "doc_type" not in result:
        code_from_notation = _type_from_notation(result.get("notation", ""))
        if code_from_notation:
            result["doc_type"] = code_from_notation
        elif vv:
            result["doc_type"] = "CV"
    elif result.get("notation"):
        # The notation is printed in the issuer's own series; a title read through OCR noise
        # is less reliable than a type code that sits in the notation.
        from_notation = _type_from_notation(result["notation"])
        if from_notation and from_notation != result["doc_type"]:
            result["doc_type"] = from_notation

    heading_end = number_line
    if heading_end is None:
        heading_end = title[1] if title is not None else (date_line or 0)
    issuer = _issuer(lines, heading_end)
    if issuer:
        result["issuer"] = issuer
    return result
