from django.contrib import admin

from annotators.models import Annotator, TermsVersion


@admin.register(TermsVersion)
class TermsVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "published_at"]


@admin.register(Annotator)
class AnnotatorAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "consent_version", "consented_at", "release_consent", "created_at"]
    readonly_fields = ["id", "created_at"]
    search_fields = ["id"]
