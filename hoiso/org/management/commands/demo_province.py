"""Load the demo province (Thái Nguyên) when it is not there yet, and print the demo logins."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hoiso.org.demo.build import DEMO_PASSWORD, build_demo_province, demo_logins
from hoiso.org.models import Unit


class Command(BaseCommand):
    help = "Builds the demo Thái Nguyên provincial union (deterministic for a seed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument(
            "--members",
            type=int,
            default=0,
            help="add N realistic members (only when the province has none yet)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        created = build_demo_province(seed=options["seed"])
        if created:
            self.stdout.write(f"Đã tạo tỉnh minh họa: {created} đơn vị.")
        else:
            self.stdout.write("Tỉnh minh họa đã có sẵn: không tạo thêm.")
        self.stdout.write(f"Tổng số đơn vị: {Unit.objects.count()}")
        if options["members"]:
            from hoiso.members.demo import build_demo_members
            from hoiso.members.models import Member

            if Member.objects.filter(source="demo").exists():
                self.stdout.write("Hội viên minh họa đã có sẵn: không tạo thêm.")
            else:
                added = build_demo_members(options["members"], seed=options["seed"])
                self.stdout.write(f"Đã tạo {added} hội viên minh họa.")
        self.stdout.write("")
        self.stdout.write(f"Tài khoản minh họa (mật khẩu chung: {DEMO_PASSWORD}):")
        for login in demo_logins():
            extra = f", hoặc số điện thoại {login.phone}" if login.phone else ""
            self.stdout.write(f"  {login.username:<24} {login.role:<8} tại {login.unit}{extra}")
        self.stdout.write(f"  {'admin':<24} quản trị toàn hệ thống (superuser)")
