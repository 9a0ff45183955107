"""Member list, profile, forms, transfers, dues, indicators, self-service."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hoiso.members import selectors


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    page = selectors.member_page(request.user, selectors.MemberFilter(), cursor=None)
    return render(request, "members/member_list.html", {"page": page})
