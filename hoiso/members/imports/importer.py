"""Importing members from the rosters chapters really keep, on the import contract.

A roster has title rows, an ``STT`` column, headers such as "HỌ VÀ TÊN", "Ngày, tháng, năm
sinh", "Số CCCD", "Chi hội"; dates as date cells, Excel serial numbers, dd/mm/yyyy or a year
alone; ID numbers and phones whose leading zero the spreadsheet ate; names in capitals,
decomposed Unicode, blank lines and a totals line. Each row becomes a ``MemberInput`` checked by
``clean_member`` (the one place the domain rules live); its field-keyed errors are reported
against the file's columns. Duplicates inside the file and against current members are found
through the ID number's keyed hash, never by decrypting.

The importer streams (``chunk_rows``): it keeps only what its duplicate checks need (small
integer keys of the rows seen so far), so a 500,000-row file fits in a few hundred MB.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from hoiso.core import crypto
from hoiso.core.imports import Column, Importer, RowError, RowIssue, header_key
from hoiso.core.tree import subtree_q
from hoiso.core.vietnamese import fold, nfc
from hoiso.members.choices import (
    CURRENT_STATUSES,
    ETHNICITIES,
    RELIGIONS,
    Education,
    MaritalStatus,
    MemberType,
    Occupation,
    PoliticalTheory,
    Sex,
)
from hoiso.members.imports.writer import (
    BulkLoad,
    bulk_load_end,
    bulk_load_start,
    members_import_audit,
    members_insert,
)
from hoiso.members.models import Member
from hoiso.members.services import Clean, MemberInput, clean_member
from hoiso.org.models import Level, Unit
from hoiso.org.services import NewUnit, units_bulk_create

CHUNK_ROWS: Final = 5000
_QUERY_CHUNK: Final = 2000
CHAPTER_LEVEL: Final = "chi-hoi"
GROUP_LEVEL: Final = "to"
# Excel's day 0 (its 1900 leap-year bug makes 30/12/1899 the base for every date after 1900).
_EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
_SERIAL_RANGE: Final = range(2101, 2_958_466)  # below: a year; 2958465 is 31/12/9999
_YEAR_RANGE: Final = range(1000, 2101)
_DATE_RE: Final = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4}|\d{2})")
_ISO_RE: Final = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?")
_YEAR_RE: Final = re.compile(r"(\d{4})(?:\.0+)?")
_MONTH_YEAR_RE: Final = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{4})")


def _fields_max(*names: str) -> dict[str, int]:
    return {name: getattr(Member._meta.get_field(name), "max_length", 0) or 255 for name in names}


_NAME_MAX: Final = _fields_max("full_name")["full_name"]
_TEXT_MAX: Final = _fields_max(
    "zalo", "email", "residence_hamlet", "residence_detail", "former_address"
)

# Spellings people write in a roster, besides the code and the English label, per choice.
_CHOICE_SYNONYMS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "sex": {
        Sex.FEMALE: ("nữ", "phụ nữ", "f"),
        Sex.MALE: ("nam", "m"),
    },
    "member_type": {
        MemberType.REGULAR: ("chính thức", "hội viên chính thức", "hội viên", "chinh thuc"),
        MemberType.HONORARY: ("danh dự", "hội viên danh dự"),
    },
    "occupation": {
        Occupation.FARMER: ("nông dân", "làm ruộng", "nông nghiệp", "làm nông", "nông"),
        Occupation.WORKER: ("công nhân", "công nhân lao động", "CNLĐ"),
        Occupation.CIVIL_SERVANT: (
            "cán bộ, công chức, viên chức",
            "cán bộ công chức",
            "công chức",
            "viên chức",
            "CBCCVC",
            "CNVC",
            "cán bộ",
            "giáo viên",
        ),
        Occupation.RETIRED: ("hưu trí", "nghỉ hưu", "hưu", "cán bộ hưu trí"),
        Occupation.TRADER: ("buôn bán", "tiểu thương", "buôn bán nhỏ", "kinh doanh nhỏ"),
        Occupation.BUSINESS: ("kinh doanh", "chủ doanh nghiệp", "doanh nhân", "chủ hợp tác xã"),
        Occupation.STUDENT: ("học sinh", "sinh viên", "học sinh, sinh viên"),
        Occupation.FREELANCE: ("lao động tự do", "tự do", "làm thuê", "tự doanh"),
        Occupation.HOMEMAKER: ("nội trợ", "ở nhà"),
        Occupation.OTHER: ("khác",),
    },
    "education": {
        Education.PRIMARY: ("tiểu học", "cấp 1", "5/12", "5/10"),
        Education.LOWER_SECONDARY: ("trung học cơ sở", "THCS", "cấp 2", "9/12", "7/10"),
        Education.UPPER_SECONDARY: ("trung học phổ thông", "THPT", "cấp 3", "12/12", "10/10"),
        Education.VOCATIONAL: ("trung cấp", "trung cấp nghề", "sơ cấp nghề", "học nghề"),
        Education.COLLEGE: ("cao đẳng",),
        Education.UNIVERSITY: ("đại học", "cử nhân", "kỹ sư"),
        Education.POSTGRADUATE: ("sau đại học", "thạc sĩ", "tiến sĩ", "thạc sỹ", "tiến sỹ"),
    },
    "political_theory": {
        PoliticalTheory.NONE: ("không", "chưa", "chưa qua đào tạo"),
        PoliticalTheory.ELEMENTARY: ("sơ cấp",),
        PoliticalTheory.INTERMEDIATE: ("trung cấp",),
        PoliticalTheory.ADVANCED: ("cao cấp", "cử nhân"),
    },
    "marital_status": {
        MaritalStatus.SINGLE: ("độc thân", "chưa kết hôn", "chưa chồng"),
        MaritalStatus.MARRIED: ("đã kết hôn", "có chồng", "kết hôn", "đã có chồng"),
        MaritalStatus.DIVORCED: ("ly hôn", "đã ly hôn", "ly thân"),
        MaritalStatus.WIDOWED: ("góa", "goá", "góa chồng", "chồng mất"),
    },
}
_CHOICES: Final[dict[str, Any]] = {
    "sex": Sex,
    "member_type": MemberType,
    "occupation": Occupation,
    "education": Education,
    "political_theory": PoliticalTheory,
    "marital_status": MaritalStatus,
}
_YES: Final = frozenset({"x", "co", "1", "yes", "true", "phai", "la doan vien", "doan vien"})
_NO: Final = frozenset({"khong", "0", "no", "false", "chua"})
# The only plain-text profile fields the import reads (others keep their defaults).
_TEXT_FIELDS: Final = ("zalo", "email", "residence_hamlet", "residence_detail", "former_address")
_CHAPTER_PREFIXES: Final = ("chi hoi",)
_GROUP_PREFIXES: Final = ("to phu nu", "to hoi", "to", "so")


@functools.lru_cache(maxsize=4096)
def _key(text: str) -> str:
    return header_key(text)


def _short(key: str, prefixes: Iterable[str]) -> str:
    """A unit's name without its level word: "chi hoi to dan pho 1" → "to dan pho 1"."""
    changed = True
    while changed:
        changed = False
        for prefix in prefixes:
            if key.startswith(prefix + " ") and len(key) > len(prefix) + 1:
                key = key[len(prefix) + 1 :]
                changed = True
    return key


@dataclass(frozen=True)
class NewPlace:
    """A chapter (or a group in one) that the file names and that ``create_chapters`` creates."""

    key: str
    name: str
    level: str
    parent_key: str = ""  # for a group under a chapter that is created too


Place = Unit | NewPlace


@dataclass
class MemberRow:
    """One cleaned roster row: the validated profile and where the member goes."""

    clean: Clean
    place: Place


class MemberImporter(Importer):
    """Members of one commune (or chapter) from a roster; chapters named by the file."""

    chunk_rows = CHUNK_ROWS
    # ``commit`` refuses nothing ``clean_row`` and ``check_batch`` let through (no constraint
    # but the primary key on members): a dry run only checks, and writes nothing.
    dry_run_writes = False

    columns = (
        Column(
            "full_name",
            "Họ và tên",
            ("họ tên", "tên", "họ và tên hội viên", "tên hội viên", "full name", "name"),
        ),
        Column(
            "birth_date",
            "Ngày, tháng, năm sinh",
            (
                "ngày sinh",
                "năm sinh",
                "ngày tháng năm sinh",
                "sinh ngày",
                "ngày/tháng/năm sinh",
                "date of birth",
                "birth date",
            ),
            raw=True,
        ),
        Column("sex", "Giới tính", ("giới", "nam/nữ", "sex"), required=False),
        Column(
            "id_number",
            "Số CCCD",
            (
                "CCCD",
                "số định danh",
                "số định danh cá nhân",
                "CMND/CCCD",
                "CCCD/CMND",
                "số CMND/CCCD",
                "số CCCD/CMND",
                "số CMND",
                "CMND",
                "căn cước công dân",
                "số căn cước",
                "căn cước",
                "ID number",
            ),
            required=False,
            raw=True,
        ),
        Column(
            "phone",
            "Số điện thoại",
            ("điện thoại", "SĐT", "ĐT", "số ĐT", "di động", "phone"),
            required=False,
            raw=True,
        ),
        Column("zalo", "Zalo", ("số zalo",), required=False),
        Column("email", "Email", ("e-mail", "thư điện tử"), required=False),
        Column(
            "chapter",
            "Chi hội",
            ("tên chi hội", "thuộc chi hội", "chi hội/đơn vị", "chapter"),
            required=False,
        ),
        Column("group", "Tổ", ("tổ phụ nữ", "tổ hội", "group"), required=False),
        Column("ethnicity", "Dân tộc", ("ethnicity",), required=False),
        Column("religion", "Tôn giáo", ("religion",), required=False),
        Column("occupation", "Nghề nghiệp", ("nghề", "công việc", "occupation"), required=False),
        Column(
            "education",
            "Trình độ học vấn",
            ("học vấn", "trình độ văn hóa", "văn hóa", "trình độ", "TĐHV", "education"),
            required=False,
        ),
        Column(
            "political_theory",
            "Lý luận chính trị",
            ("trình độ lý luận chính trị", "LLCT", "trình độ LLCT", "chính trị"),
            required=False,
        ),
        Column(
            "marital_status",
            "Tình trạng hôn nhân",
            ("hôn nhân", "marital status"),
            required=False,
        ),
        Column("youth_union", "Đoàn viên", ("đoàn viên thanh niên", "ĐVTN"), required=False),
        Column(
            "join_date",
            "Ngày vào Hội",
            ("ngày vào hội", "năm vào hội", "ngày kết nạp", "ngày gia nhập", "joined on"),
            required=False,
            raw=True,
        ),
        Column(
            "member_type",
            "Loại hội viên",
            ("loại HV", "loại", "hình thức", "membership type"),
            required=False,
        ),
        Column(
            "residence_hamlet",
            "Thôn, tổ dân phố",
            ("thôn", "xóm", "tổ dân phố", "thôn/xóm", "thôn/tổ dân phố", "thôn, xóm", "ấp", "bản"),
            required=False,
        ),
        Column(
            "residence_detail",
            "Địa chỉ",
            ("nơi ở", "nơi ở hiện nay", "chỗ ở hiện nay", "địa chỉ thường trú", "address"),
            required=False,
        ),
        Column(
            "former_address",
            "Địa chỉ trước 2025",
            ("địa chỉ cũ", "quê quán", "nguyên quán"),
            required=False,
        ),
    )

    def __init__(
        self,
        actor: Any,
        unit: Unit,
        *,
        create_chapters: bool = False,
        file_name: str = "",
        today: dt.date | None = None,
    ) -> None:
        self.actor = actor
        self.unit = unit
        self.create_chapters = create_chapters
        self.file_name = file_name
        self.today = today or timezone.localdate()
        self.imported = 0
        self.created_units: list[Unit] = []
        self._choices = {name: self._choice_keys(name) for name in _CHOICES}
        self._ethnicities = {_key(e): e for e in ETHNICITIES}
        self._religions = {_key(r): r for r in RELIGIONS}
        self._religions.update({"khong co": "Không", "khong ton giao": "Không"})
        self._load_units()
        # Rows seen so far, for duplicates across chunks: small integers, not the values.
        self._ids: dict[int, int] = {}
        self._people: dict[int, int] = {}
        self._text_cache: dict[str, str] = {}
        self._bulk: BulkLoad | None = None

    # -- the units a row may name ---------------------------------------------------------------

    def _load_units(self) -> None:
        levels = {lv.code: lv for lv in Level.objects.filter(code__in=[CHAPTER_LEVEL, GROUP_LEVEL])}
        self._chapter_level = levels.get(CHAPTER_LEVEL)
        self._group_level = levels.get(GROUP_LEVEL)
        units = list(
            Unit.objects.filter(subtree_q(self.unit.path))
            .filter(valid_to__isnull=True)
            .select_related("level")
            .order_by("path")
        )
        self._chapters: dict[str, Unit] = {}
        self._groups: dict[tuple[int, str], Unit] = {}
        for unit in units:
            if unit.level.code == CHAPTER_LEVEL:
                for key in self._unit_keys(unit, _CHAPTER_PREFIXES):
                    self._chapters.setdefault(key, unit)
            elif unit.level.code == GROUP_LEVEL and unit.parent_id is not None:
                for key in self._unit_keys(unit, _GROUP_PREFIXES):
                    self._groups.setdefault((unit.parent_id, key), unit)
        self._chapter_names = [u.name for u in units if u.level.code == CHAPTER_LEVEL]
        self._new_places: dict[str, NewPlace] = {}
        self._created: dict[str, Unit] = {}
        self._places: dict[tuple[str | None, str | None], Place | RowError] = {}

    @staticmethod
    def _unit_keys(unit: Unit, prefixes: Iterable[str]) -> set[str]:
        name = _key(unit.name)
        return {name, _short(name, prefixes), _key(unit.code)}

    def _can_create(self, level: Level | None, parent_rank: int) -> bool:
        return self.create_chapters and level is not None and parent_rank < level.rank

    def _place(self, chapter_text: str | None, group_text: str | None) -> Place:
        """Where the row's member goes (remembered per spelling: rosters repeat them)."""
        key = (chapter_text, group_text)
        known = self._places.get(key)
        if known is None:
            try:
                known = self._find_place(chapter_text, group_text)
            except RowError as error:
                known = error
            if len(self._places) < 10_000:
                self._places[key] = known
        if isinstance(known, RowError):
            raise RowError.many(known.issues)
        return known

    def _find_place(self, chapter_text: str | None, group_text: str | None) -> Place:
        """Where the row's member goes: a group, a chapter, or the import's unit."""
        place: Place = self.unit
        if chapter_text:
            key = _short(_key(chapter_text), _CHAPTER_PREFIXES)
            found = self._chapters.get(_key(chapter_text)) or self._chapters.get(key)
            if found is not None:
                place = found
            elif self._can_create(self._chapter_level, self.unit.level.rank):
                name = nfc(chapter_text)
                if not _key(name).startswith("chi hoi"):
                    name = f"Chi hội {name}"
                place = self._new_places.setdefault(
                    "c:" + key, NewPlace(key="c:" + key, name=name, level=CHAPTER_LEVEL)
                )
            else:
                raise RowError("chapter", self._unknown_chapter(chapter_text))
        if group_text:
            key = _short(_key(group_text), _GROUP_PREFIXES)
            if isinstance(place, Unit):
                group = self._groups.get((place.pk, _key(group_text))) or self._groups.get(
                    (place.pk, key)
                )
                if group is not None:
                    return group
            parent_rank = (
                place.level.rank
                if isinstance(place, Unit)
                else (self._chapter_level.rank if self._chapter_level else 99)
            )
            if not self._can_create(self._group_level, parent_rank):
                raise RowError(
                    "group",
                    _("Unknown group «%(group)s» in %(unit)s.")
                    % {"group": nfc(group_text), "unit": self._place_name(place)},
                )
            parent_key = place.key if isinstance(place, NewPlace) else f"u:{place.pk}"
            name = nfc(group_text)
            if not _key(name).startswith("to"):
                name = f"Tổ {name}"
            full_key = f"g:{parent_key}/{key}"
            return self._new_places.setdefault(
                full_key,
                NewPlace(key=full_key, name=name, level=GROUP_LEVEL, parent_key=parent_key),
            )
        return place

    @staticmethod
    def _place_name(place: Place) -> str:
        return place.name

    def _unknown_chapter(self, text: str) -> str:
        if not self._chapter_names:
            return _(
                "Unknown chapter «%(chapter)s»: %(unit)s has no chapters "
                "(import with “create chapters” to create it)."
            ) % {"chapter": nfc(text), "unit": self.unit.name}
        shown = self._chapter_names[:12]
        more = "…" if len(self._chapter_names) > len(shown) else ""
        return _("Unknown chapter «%(chapter)s» in %(unit)s; the chapters are: %(chapters)s.") % {
            "chapter": nfc(text),
            "unit": self.unit.name,
            "chapters": ", ".join(shown) + more,
        }

    # -- cells ----------------------------------------------------------------------------------

    def _choice_keys(self, name: str) -> dict[str, str]:
        choices = _CHOICES[name]
        keys: dict[str, str] = {}
        for value, label in choices.choices:
            for spelling in (value, str(label), *_CHOICE_SYNONYMS[name].get(value, ())):
                keys.setdefault(_key(spelling), value)
        return keys

    def _choice(self, name: str, text: str | None) -> str:
        if not text:
            return ""
        value = self._choices[name].get(_key(text))
        if value is None:
            allowed = "; ".join(
                f"{_CHOICE_SYNONYMS[name].get(v, (str(label),))[0]}"
                for v, label in _CHOICES[name].choices
            )
            raise ValueError(
                _("Unknown value «%(value)s»; use one of: %(allowed)s.")
                % {"value": nfc(text), "allowed": allowed}
            )
        return value

    def _date(self, value: Any, *, year_alone: bool) -> tuple[dt.date | None, int | None]:
        """A date cell, an Excel serial number, dd/mm/yyyy, d/m/yyyy or (if allowed) a year."""
        if value is None:
            return None, None
        if isinstance(value, dt.datetime):
            return value.date(), value.year
        if isinstance(value, dt.date):
            return value, value.year
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if value in _YEAR_RANGE:
                if not year_alone:
                    raise ValueError(self._not_a_date(str(value)))
                return None, value
            if value in _SERIAL_RANGE:
                day = _EXCEL_EPOCH + dt.timedelta(days=value)
                return day, day.year
            raise ValueError(self._not_a_date(str(value)))
        text = str(value).strip()
        match = _DATE_RE.fullmatch(text)
        if match:
            day_s, month_s, year_s = match.groups()
            year = int(year_s)
            if len(year_s) == 2:
                year += 1900 if year > self.today.year % 100 else 2000
            return self._checked_date(year, int(month_s), int(day_s), text)
        match = _ISO_RE.fullmatch(text)
        if match:
            year_s, month_s, day_s = match.groups()
            return self._checked_date(int(year_s), int(month_s), int(day_s), text)
        match = _YEAR_RE.fullmatch(text)
        if match and year_alone and int(match.group(1)) in _YEAR_RANGE:
            return None, int(match.group(1))
        match = _MONTH_YEAR_RE.fullmatch(text)
        if match and year_alone and int(match.group(2)) in _YEAR_RANGE:
            return None, int(match.group(2))  # "3/1985": the month is not kept, the year is
        raise ValueError(self._not_a_date(text))

    @staticmethod
    def _checked_date(year: int, month: int, day: int, text: str) -> tuple[dt.date, int]:
        try:
            return dt.date(year, month, day), year
        except ValueError:
            raise ValueError(_("The date «%(value)s» does not exist.") % {"value": text}) from None

    @staticmethod
    def _not_a_date(text: str) -> str:
        return _("«%(value)s» is not a date (dd/mm/yyyy, or the year alone).") % {"value": text}

    def _text(self, value: str | None) -> str:
        if not value:
            return ""
        cached = self._text_cache.get(value)
        if cached is None:
            cached = nfc(value)
            if len(self._text_cache) < 50_000:
                self._text_cache[value] = cached
        return cached

    @staticmethod
    def _raw_text(value: Any) -> str:
        """A phone or ID cell as text: 912345678.0 → "912345678" (the rules restore the 0)."""
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value).strip()

    # -- the contract -----------------------------------------------------------------------------

    def clean_row(self, values: dict[str, Any], row: int) -> MemberRow:
        problems: list[tuple[str, str]] = []

        def problem(column: str, error: Exception) -> None:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            problems.extend((column, message) for message in messages)

        full_name = values.get("full_name") or ""
        if len(full_name) > _NAME_MAX:
            problems.append(
                (
                    "full_name",
                    _("The name is longer than %(max)d characters.") % {"max": _NAME_MAX},
                )
            )
        birth_date = birth_year = join_date = None
        try:
            birth_date, birth_year = self._date(values.get("birth_date"), year_alone=True)
        except ValueError as error:
            problem("birth_date", error)
        try:
            join_date, join_year = self._date(values.get("join_date"), year_alone=True)
            if join_date is None and join_year is not None:
                join_date = dt.date(join_year, 1, 1)  # a year alone: 1 January of that year
        except ValueError as error:
            problem("join_date", error)
        choices: dict[str, str] = {}
        for name in _CHOICES:
            if name in values:
                try:
                    choices[name] = self._choice(name, values[name])
                except ValueError as error:
                    problem(name, error)
        youth_union = None
        if values.get("youth_union"):
            flag = _key(values["youth_union"])
            if flag in _YES:
                youth_union = True
            elif flag in _NO:
                youth_union = False
            else:
                problems.append(
                    (
                        "youth_union",
                        _("Unknown value «%(value)s»; use one of: %(allowed)s.")
                        % {"value": values["youth_union"], "allowed": "x; có; không"},
                    )
                )
        texts: dict[str, str] = {}
        for name in _TEXT_FIELDS:
            text = self._text(values.get(name))
            if len(text) > _TEXT_MAX[name]:
                problems.append(
                    (
                        name,
                        _("The text is longer than %(max)d characters.") % {"max": _TEXT_MAX[name]},
                    )
                )
            texts[name] = text
        sensitive: dict[str, str | None] = {}
        if values.get("ethnicity"):
            text = self._text(values["ethnicity"])
            sensitive["ethnicity"] = self._ethnicities.get(_key(text), text)
        if values.get("religion"):
            text = self._text(values["religion"])
            sensitive["religion"] = self._religions.get(_key(text), text)
        place: Place = self.unit
        try:
            place = self._place(values.get("chapter"), values.get("group"))
        except RowError as error:
            problems.extend(error.issues)

        data = MemberInput(
            full_name=full_name,
            birth_date=birth_date,
            birth_year=birth_year,
            sex=choices.get("sex") or Sex.FEMALE,
            id_number=self._raw_text(values.get("id_number")),
            phone=self._raw_text(values.get("phone")),
            member_type=choices.get("member_type") or MemberType.REGULAR,
            join_date=join_date,
            occupation=choices.get("occupation", ""),
            education=choices.get("education", ""),
            political_theory=choices.get("political_theory", ""),
            marital_status=choices.get("marital_status", ""),
            youth_union=youth_union,
            sensitive=sensitive,
            zalo=texts["zalo"],
            email=texts["email"],
            residence_hamlet=texts["residence_hamlet"],
            residence_detail=texts["residence_detail"],
            former_address=texts["former_address"],
        )
        try:
            clean = clean_member(data, today=self.today)
        except ValidationError as error:
            for field_name, messages in error.message_dict.items():
                column = self._column_of(field_name, values)
                if column == "birth_date" and any(c == "birth_date" for c, _m in problems):
                    continue  # the date itself is wrong: say that once
                problems.extend((column, message) for message in messages)
        if problems:
            raise RowError.many(problems)
        return MemberRow(clean=clean, place=place)

    @staticmethod
    def _column_of(field_name: str, values: dict[str, Any]) -> str:
        """The file column a ``clean_member`` error belongs to."""
        if field_name == "member_type" and "member_type" not in values:
            return "birth_date"  # "under 18 for a regular member": the birth date says so
        if field_name == "sex" and "sex" not in values:
            return "id_number" if values.get("id_number") else "full_name"
        if field_name == "__all__":
            return ""
        return field_name

    def check_batch(self, cleaned: list[tuple[int, Any]]) -> list[RowIssue]:
        """Duplicates inside the file (the later row names the earlier) and of current members."""
        issues: list[RowIssue] = []
        fresh: dict[str, int] = {}  # id hash → row, for the rows of this chunk
        for row, item in cleaned:
            clean = item.clean
            if clean.id_number:
                key = int(clean.id_number) * 100 + len(clean.id_number)
                first = self._ids.get(key)
                if first is not None:
                    issues.append(
                        RowIssue(
                            row,
                            "id_number",
                            _("The same ID number is already on row %(row)d.") % {"row": first},
                        )
                    )
                    continue
                self._ids[key] = row
                fresh[crypto.blind_index(clean.id_number, field="id_number")] = row
            if clean.phone:
                born = clean.birth_date.isoformat() if clean.birth_date else str(clean.birth_year)
                person = f"{fold(clean.full_name)}|{born}|{clean.phone}".encode()
                key = int.from_bytes(hashlib.blake2b(person, digest_size=8).digest(), "big")
                first = self._people.get(key)
                if first is not None:
                    issues.append(
                        RowIssue(
                            row,
                            "full_name",
                            _(
                                "The same person (name, date of birth and phone) is already "
                                "on row %(row)d."
                            )
                            % {"row": first},
                        )
                    )
                    continue
                self._people[key] = row
        hashes = list(fresh)
        for start in range(0, len(hashes), _QUERY_CHUNK):
            existing = Member.objects.filter(
                id_number_idx__in=hashes[start : start + _QUERY_CHUNK],
                status__in=CURRENT_STATUSES,
            ).values_list("id_number_idx", "full_name", "unit__name", "pk")
            for index, name, unit_name, pk in existing:
                issues.append(
                    RowIssue(
                        fresh[index],
                        "id_number",
                        _(
                            "This person is already an active member: %(name)s, %(unit)s "
                            "(member no. %(pk)d)."
                        )
                        % {"name": name, "unit": unit_name, "pk": pk},
                    )
                )
        return issues

    def commit(self, cleaned: list[tuple[int, Any]]) -> int:
        rows = [(item.clean, self._resolve(item.place)) for _row, item in cleaned]
        created = members_insert(actor=self.actor, rows=rows, reason=_("imported"))
        self.imported += len(created)
        return len(created)

    def commit_begin(self, expected_rows: int) -> None:
        self._bulk = bulk_load_start(expected_rows)

    def commit_end(self, count: int) -> None:
        if self._bulk is not None:
            bulk_load_end(self._bulk)
            self._bulk = None
        members_import_audit(
            actor=self.actor,
            unit=self.unit,
            count=count,
            file_name=self.file_name,
            detail={
                "unit": self.unit.code,
                "created_units": [u.code for u in self.created_units[:50]],
            },
        )

    # -- creating the chapters the file names ----------------------------------------------------

    def planned_units(self) -> list[str]:
        """The chapters and groups the file names that the import creates (for the preview)."""
        names = {f"u:{u.pk}": u.name for u in [self.unit, *self._chapters.values()]}
        names.update({p.key: p.name for p in self._new_places.values()})
        return [
            place.name
            if place.level == CHAPTER_LEVEL
            else f"{place.name} ({names.get(place.parent_key, '')})"
            for place in self._new_places.values()
            if place.key not in self._created
        ]

    def _resolve(self, place: Place) -> Unit:
        if isinstance(place, Unit):
            return place
        created = self._created.get(place.key)
        if created is None:
            self._create_pending()
            created = self._created[place.key]
        return created

    def _create_pending(self) -> None:
        """Create every chapter and group named so far and not created yet, in one call."""
        pending = [p for p in self._new_places.values() if p.key not in self._created]
        if not pending:
            return
        taken = set(
            Unit.objects.filter(code__startswith=self.unit.code + "-").values_list(
                "code", flat=True
            )
        )
        counters: dict[str, int] = {}

        def next_code(prefix: str) -> str:
            n = counters.get(prefix, 0)
            while True:
                n += 1
                code = f"{prefix}{n:02d}"
                if code not in taken:
                    taken.add(code)
                    counters[prefix] = n
                    return code

        codes: dict[str, str] = {}
        rows: list[NewUnit] = []
        levels = {CHAPTER_LEVEL: self._chapter_level, GROUP_LEVEL: self._group_level}
        for place in sorted(pending, key=lambda p: p.level != CHAPTER_LEVEL):
            if place.level == CHAPTER_LEVEL:
                parent_code = self.unit.code
            elif place.parent_key.startswith("u:"):
                parent_code = next(
                    u.code
                    for u in [*self._chapters.values(), self.unit]
                    if f"u:{u.pk}" == place.parent_key
                )
            else:
                parent_code = codes.get(place.parent_key) or self._created[place.parent_key].code
            prefix = f"{parent_code}-{'CH' if place.level == CHAPTER_LEVEL else 'T'}"
            codes[place.key] = next_code(prefix)
            level = levels[place.level]
            assert level is not None
            rows.append(
                NewUnit(
                    code=codes[place.key],
                    name=place.name[:200],
                    level=level,
                    parent_code=parent_code,
                )
            )
        units = units_bulk_create(
            actor=self.actor,
            rows=rows,
            note=_("created by the member import of %(file)s") % {"file": self.file_name},
        )
        by_code = {u.code: u for u in units}
        for key, code in codes.items():
            self._created[key] = by_code[code]
        self.created_units.extend(units)
