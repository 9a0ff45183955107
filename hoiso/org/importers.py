"""Importing the unit tree from a spreadsheet: code, name, level and parent code per row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from hoiso.core.imports import Column, Importer, RowError, RowIssue, header_key
from hoiso.org.models import Level, Unit
from hoiso.org.services import NewUnit, units_bulk_create

# Lengths of the Unit columns, checked per row so the database never has to refuse a value.
_CODE_MAX = Unit._meta.get_field("code").max_length or 40
_NAME_MAX = Unit._meta.get_field("name").max_length or 200
_ADDRESS_MAX = Unit._meta.get_field("address").max_length or 255
_QUERY_CHUNK = 500


@dataclass(frozen=True)
class UnitRow:
    """One cleaned row: what ``units_bulk_create`` needs."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    address: str = ""


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _QUERY_CHUNK):
        yield items[start : start + _QUERY_CHUNK]


class UnitImporter(Importer):
    """Units from a list: parents may be existing units or rows anywhere in the same file."""

    columns = (
        Column("code", "Mã đơn vị", ("mã", "ma don vi", "code")),
        Column("name", "Tên đơn vị", ("tên", "ten to chuc", "name")),
        Column("level", "Cấp", ("cấp đơn vị", "level")),
        Column(
            "parent_code",
            "Mã đơn vị cấp trên",
            ("mã cấp trên", "đơn vị cấp trên", "parent", "parent code"),
            required=False,
        ),
        Column("address", "Địa chỉ", ("address",), required=False),
    )

    def __init__(
        self,
        actor: Any = None,
        *,
        valid_from: dt.date | None = None,
        decision: str = "",
        note: str = "",
    ) -> None:
        self.actor = actor
        self.valid_from = valid_from
        self.decision = decision
        self.note = note
        self._levels: dict[str, Level] = {}
        levels = list(Level.objects.all())
        for level in levels:
            self._levels[header_key(level.code)] = level
        for level in levels:
            # "Xã/Phường" answers to "xa phuong", "Xã" and "Phường" (a code always wins).
            for spelling in (level.name, *level.name.split("/")):
                self._levels.setdefault(header_key(spelling), level)
        # Every code seen in the file, valid row or not, to explain a child's missing parent.
        self._rows_by_code: dict[str, int] = {}

    @property
    def day(self) -> dt.date:
        return self.valid_from or dt.date.today()

    def clean_row(self, values: dict[str, Any], row: int) -> UnitRow:
        problems: list[tuple[str, str]] = []
        code = values.get("code") or ""
        name = values.get("name") or ""
        level_text = values.get("level") or ""
        parent_code = values.get("parent_code") or None
        address = values.get("address") or ""
        if code:
            self._rows_by_code.setdefault(code, row)
        if not code:
            problems.append(("code", _("The unit code is missing.")))
        elif len(code) > _CODE_MAX:
            problems.append(
                ("code", _("The unit code is longer than %(max)d characters.") % {"max": _CODE_MAX})
            )
        if not name:
            problems.append(("name", _("The unit name is missing.")))
        elif len(name) > _NAME_MAX:
            problems.append(
                ("name", _("The unit name is longer than %(max)d characters.") % {"max": _NAME_MAX})
            )
        level = self._levels.get(header_key(level_text)) if level_text else None
        if not level_text:
            problems.append(("level", _("The level is missing.")))
        elif level is None:
            known = ", ".join(f"{lv.name} ({lv.code})" for lv in self._distinct_levels())
            problems.append(
                (
                    "level",
                    _("Unknown level «%(level)s»; use one of: %(levels)s.")
                    % {"level": level_text, "levels": known},
                )
            )
        if parent_code is not None and parent_code == code:
            problems.append(("parent_code", _("A unit cannot be its own parent.")))
        if len(address) > _ADDRESS_MAX:
            problems.append(
                (
                    "address",
                    _("The address is longer than %(max)d characters.") % {"max": _ADDRESS_MAX},
                )
            )
        if problems:
            raise RowError.many(problems)
        assert level is not None
        return UnitRow(code=code, name=name, level=level, parent_code=parent_code, address=address)

    def _distinct_levels(self) -> list[Level]:
        return sorted({lv.pk: lv for lv in self._levels.values()}.values(), key=lambda lv: lv.rank)

    def check_batch(self, cleaned: list[tuple[int, Any]]) -> list[RowIssue]:
        issues: list[RowIssue] = []
        in_file: dict[str, tuple[int, UnitRow]] = {}
        for row, unit in cleaned:
            first = in_file.get(unit.code)
            if first is not None:
                issues.append(
                    RowIssue(
                        row,
                        "code",
                        _("The unit code %(code)s already appears on row %(row)d.")
                        % {"code": unit.code, "row": first[0]},
                    )
                )
            else:
                in_file[unit.code] = (row, unit)

        codes = list(in_file)
        taken: set[str] = set()
        for chunk in _chunks(codes):
            taken.update(Unit.objects.filter(code__in=chunk).values_list("code", flat=True))
        for code in sorted(taken, key=lambda c: in_file[c][0]):
            issues.append(
                RowIssue(
                    in_file[code][0],
                    "code",
                    _("The unit code %(code)s is already used by an existing unit.")
                    % {"code": code},
                )
            )
        for code in taken:
            del in_file[code]  # its row is rejected: children must not count on it

        wanted = sorted({u.parent_code for _r, u in cleaned if u.parent_code} - set(in_file))
        existing: dict[str, Unit] = {}
        for chunk in _chunks(wanted):
            existing.update(
                (u.code, u) for u in Unit.objects.filter(code__in=chunk).select_related("level")
            )
        for row, unit in cleaned:
            if unit.parent_code is None or in_file.get(unit.code, (None,))[0] != row:
                continue
            problem = self._parent_problem(unit, in_file, existing)
            if problem:
                issues.append(RowIssue(row, "parent_code", problem))
        return issues

    def _parent_problem(
        self, unit: UnitRow, in_file: dict[str, tuple[int, UnitRow]], existing: dict[str, Unit]
    ) -> str:
        code = unit.parent_code
        assert code is not None
        if code in in_file:
            parent_level = in_file[code][1].level
        elif code in existing:
            parent = existing[code]
            if parent.valid_to is not None and parent.valid_to <= self.day:
                return _("The parent unit %(code)s was closed on %(date)s.") % {
                    "code": code,
                    "date": parent.valid_to.strftime("%d/%m/%Y"),
                }
            if parent.valid_from > self.day:
                return _("The parent unit %(code)s only exists from %(date)s.") % {
                    "code": code,
                    "date": parent.valid_from.strftime("%d/%m/%Y"),
                }
            parent_level = parent.level
        elif code in self._rows_by_code:
            return _("The parent unit %(code)s (row %(row)d) cannot be imported.") % {
                "code": code,
                "row": self._rows_by_code[code],
            }
        else:
            return _("The parent unit %(code)s is neither in the system nor in this file.") % {
                "code": code
            }
        if parent_level.rank >= unit.level.rank:
            return _(
                "A unit of level %(level)s cannot be placed under %(parent)s, "
                "a unit of level %(parent_level)s."
            ) % {"level": unit.level.name, "parent": code, "parent_level": parent_level.name}
        return ""

    def commit(self, cleaned: list[tuple[int, Any]]) -> int:
        created = units_bulk_create(
            actor=self.actor,
            rows=[
                NewUnit(
                    code=unit.code,
                    name=unit.name,
                    level=unit.level,
                    parent_code=unit.parent_code,
                    address=unit.address,
                )
                for _row, unit in cleaned
            ],
            valid_from=self.valid_from,
            decision=self.decision,
            note=self.note,
        )
        return len(created)
