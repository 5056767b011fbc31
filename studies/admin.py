"""Studies in the Django admin: set-up with the same checks as the API, items with their state
and reason, and an action to send failed items back for answers."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from studies.errors import ArenaError
from studies.models import Study, StudyItem
from studies.services.answers import study_failed_retry
from studies.services.setup import prompt_set_import, study_check


class StudyForm(forms.ModelForm):
    prompt_set = forms.FileField(required=False,
                                 help_text="JSONL or CSV: text, image, category, language, "
                                           "gold_best. All lines import or none.")

    class Meta:
        model = Study
        fields = ("slug", "title", "description", "arena", "k", "vote_format", "aspects",
                  "overlap", "pool", "pool_group", "invite_token", "quota_per_annotator",
                  "sampling", "diverse_contender", "contenders", "demographic_targets",
                  "reveal_identities", "gold_min_accuracy", "assignment_ttl_s", "state")

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            study_check(self.instance)
        except ArenaError as error:
            raise forms.ValidationError(error.message) from None
        return cleaned


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    form = StudyForm
    list_display = ("title", "slug", "arena", "k", "vote_format", "overlap", "pool", "state")
    list_filter = ("state", "pool", "vote_format")
    prepopulated_fields = {"slug": ("title",)}
    filter_horizontal = ("contenders",)
    actions = ("retry_failed",)

    def save_model(self, request: HttpRequest, obj: Study, form: forms.ModelForm,
                   change: bool) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: object,
                     change: bool) -> None:
        super().save_related(request, form, formsets, change)
        upload = form.cleaned_data.get("prompt_set")
        if upload is None:
            return
        fmt = "csv" if upload.name.lower().endswith(".csv") else "jsonl"
        try:
            added = prompt_set_import(study=form.instance, data=upload.read(), fmt=fmt)
        except ArenaError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"{added} prompts imported; their answers are being made.")

    @admin.action(description="Make the answers of failed items again")
    def retry_failed(self, request: HttpRequest, queryset: QuerySet[Study]) -> None:
        queued = sum(study_failed_retry(study=study) for study in queryset)
        self.message_user(request, f"{queued} items queued again.")


@admin.register(StudyItem)
class StudyItemAdmin(admin.ModelAdmin):
    list_display = ("study", "position", "state", "attempts", "error", "is_gold", "category")
    list_filter = ("state", "study")
    search_fields = ("text",)
    readonly_fields = ("state", "error", "attempts")
