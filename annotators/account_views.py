"""Sign up, sign in, sign out, and the personal page `/me/`."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from annotators.cookies import annotator_cookie_set
from annotators.limits import RateLimited, identity_rate_limit
from annotators.models import AgeBand, Annotator
from annotators.services.accounts import annotator_for_user
from annotators.services.profile import (
    ProfileError,
    annotator_data_delete,
    annotator_demographics_set,
    annotator_release_consent_set,
)
from annotators.views import _safe_next, identities_limit_response
from battles.models import Battle
from moderation.selectors import hidden_turn_ids


def _signed_in(request: HttpRequest, user: object) -> HttpResponse:
    # A new account has not been through authenticate(); with django-axes' backend in front,
    # Django needs to be told which backend vouches for it.
    backend = getattr(user, "backend", "django.contrib.auth.backends.ModelBackend")
    login(request, user, backend=backend)  # type: ignore[arg-type]
    annotator = annotator_for_user(user=user, cookie_annotator=request.annotator)  # type: ignore[attr-defined]
    response = redirect(_safe_next(request) if request.POST.get("next") else "/me/")
    annotator_cookie_set(response, annotator.id)
    return response


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form: UserCreationForm = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # An account is a new identity too: counted with the consent page's, per address.
        try:
            with identity_rate_limit(request=request):
                user = form.save()
        except RateLimited as error:
            return identities_limit_response(request, error)
        return _signed_in(request, user)
    return render(request, "annotators/signup.html", {"form": form})


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _signed_in(request, form.get_user())
    return render(request, "annotators/signin.html", {"form": form, "next": _safe_next(request)})


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """Signing out also forgets the annotator on this device, so the next person starts fresh."""
    logout(request)
    response = redirect("/")
    response.delete_cookie(settings.ARENA_ANNOTATOR_COOKIE)
    return response


def _annotator(request: HttpRequest) -> Annotator | None:
    annotator: Annotator | None = request.annotator  # type: ignore[attr-defined]
    if annotator is None or annotator.data_deleted_at is not None:
        return None
    return annotator


@require_http_methods(["GET", "POST"])
def me(request: HttpRequest) -> HttpResponse:
    annotator = _annotator(request)
    if annotator is None:
        return render(request, "annotators/me.html", {"annotator": None})
    error = ""
    if request.method == "POST":
        section = request.POST.get("section")
        try:
            if section == "consent":
                annotator_release_consent_set(
                    annotator=annotator, release_consent=request.POST.get("release") == "yes"
                )
            elif section == "demographics":
                annotator_demographics_set(
                    annotator=annotator,
                    opt_in=request.POST.get("opt_in") == "yes",
                    age_band=request.POST.get("age_band", ""),
                    country=request.POST.get("country", ""),
                    languages=request.POST.get("languages", "").replace(";", ",").split(","),
                )
            else:
                error = "Unknown form."
        except ProfileError as problem:
            error = str(problem)
        if not error:
            messages.success(request, "Saved.")
            return redirect("/me/")
    battles = (
        Battle.objects.filter(annotator=annotator)
        .select_related("arena", "vote")
        .prefetch_related("turns")
        .order_by("-created_at")[:100]
    )
    return render(
        request,
        "annotators/me.html",
        {"annotator": annotator, "battles": battles, "age_bands": AgeBand.choices,
         "hidden_turns": hidden_turn_ids(battle_ids=[battle.id for battle in battles]),
         "languages": ", ".join(annotator.languages or []), "error": error},
        status=400 if error else 200,
    )


@require_POST
def me_delete(request: HttpRequest) -> HttpResponse:
    annotator = _annotator(request)
    if annotator is None:
        return redirect("/me/")
    if request.POST.get("confirm") != "delete":
        # Back to /me/ itself: rendering the page here showed an empty history, and its other
        # forms (which post to their own URL) then posted here and saved nothing.
        messages.error(request, "Nothing was deleted: type delete in the box to confirm.")
        return redirect("annotators:me")
    annotator_data_delete(annotator=annotator)
    logout(request)
    response = render(request, "annotators/deleted.html")
    response.delete_cookie(settings.ARENA_ANNOTATOR_COOKIE)
    return response
