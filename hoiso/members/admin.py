from django.contrib import admin

from hoiso.members.models import DuesRate


@admin.register(DuesRate)
class DuesRateAdmin(admin.ModelAdmin):
    """The yearly dues amount and its split, from an effective date (set by central guidance)."""

    list_display = ["effective_from", "amount", "note"]
