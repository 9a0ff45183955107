"""The notifications' rows of the access matrix (tests/test_permission_matrix.py): any logged-in
user reaches her own; someone else's notification is a 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hoiso.notifications.services import notify_users


def own(user_key: str) -> Callable[[Any, dict[str, Any]], list[Any]]:
    def make(t: Any, u: dict[str, Any]) -> list[Any]:
        made = notify_users([u[user_key]], kind="test", title="Thông báo", key=f"matrix-{user_key}")
        return [made[0].pk if made else u[user_key].notifications.get(key=f"matrix-{user_key}").pk]

    return make


def notification_rows(row: Callable[..., Any]) -> dict[str, Any]:
    return {
        "notifications:notification_list": row(denied=None),
        "notifications:notification_read": row(
            method="post", args=own("admin"), out_of_scope=own("cadre_b"), denied=None, ok=302
        ),
        "notifications:notification_read_all": row(method="post", denied=None, ok=302),
        "api:notification_list": row(api=True, denied=None),
        "api:notification_read": row(
            api=True, method="post", args=own("admin"), out_of_scope=own("cadre_b"), denied=None
        ),
        "api:notification_read_all": row(api=True, method="post", denied=None),
    }
