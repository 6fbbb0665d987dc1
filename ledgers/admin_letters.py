"""Admin of the responsibility letters: the letters to look at (issued, signed and expired through the pages and
the API, ledgers.letters, which check party, dates and scope: view only here), and their templates' wording
(data the office keeps here)."""

from django.contrib import admin

from accounts.scoping import ScopedAdminMixin
from core.admin import ViewOnlyAdminMixin
from ledgers.models import LetterTemplate, ResponsibilityLetter


@admin.register(ResponsibilityLetter)
class ResponsibilityLetterAdmin(ScopedAdminMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("year", "kind", "party_name", "zone", "grid", "status", "issued_on", "signatory", "signed_on")
    list_filter = ("year", "kind", "status", "zone")
    search_fields = ("enterprise__name", "parcel__code", "parcel__name", "parcel__landlord_name", "signatory")
    list_select_related = ("zone", "grid", "parcel", "enterprise")


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "name", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "body")
