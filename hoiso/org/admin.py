from django.contrib import admin

from hoiso.org.models import Level


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin):
    """Levels are data: a congress may add or rename one (units are managed in the product)."""

    list_display = ["rank", "code", "name"]
    ordering = ["rank"]
