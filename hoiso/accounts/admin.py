from django.contrib import admin

from hoiso.accounts.models import Role


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    """Roles and their permission sets (users and assignments are managed in the product)."""

    list_display = ["code", "name", "self_only"]
    filter_horizontal = ["permissions"]
    readonly_fields = ["seed_granted"]
