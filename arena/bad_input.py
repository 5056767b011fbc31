"""Refuse a request whose text holds NUL, an unpaired surrogate or invalid UTF-8, before any
view, form, session or service sees it (the rule itself: arena/clean_text.py).

Checked: the path, the query string, cookies and other headers, form fields (admin, login,
moderation and upload forms alike, urlencoded or multipart), and JSON bodies decoded all the
way down. A JSON body is checked wherever its content type says JSON, and under /api/ whatever it
says, because the API parses every body as JSON. The answer is a 400 that changes nothing:
`{"code": "bad_input", "message"}` under /api/, a plain-text page elsewhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase
from django.http.multipartparser import MultiPartParserError

from arena.api_errors import api_error, is_api_request
from arena.clean_text import data_is_clean, text_is_clean

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class BadInput(Exception):
    """Where in the request the bad text is, for the message."""


def _json_type(content_type: str) -> bool:
    return content_type == "application/json" or content_type.endswith("+json")


def _check_texts(where: str, texts: list[str]) -> None:
    if not all(text_is_clean(text) for text in texts):
        raise BadInput(where)


def _check_query(request: HttpRequest) -> None:
    try:
        pairs = parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True,
                          errors="strict")
    except UnicodeDecodeError:
        raise BadInput("the query string") from None
    _check_texts("the query string", [text for pair in pairs for text in pair])


def _check_headers(request: HttpRequest) -> None:
    _check_texts("a header", [
        value for name, value in request.META.items()
        if (name.startswith("HTTP_") or name in ("CONTENT_TYPE", "CONTENT_LENGTH"))
        and isinstance(value, str)
    ])
    _check_texts("a cookie", [text for pair in request.COOKIES.items() for text in pair])


def _check_form(request: HttpRequest) -> None:
    try:
        fields = [text for key, values in request.POST.lists() for text in (key, *values)]
    except MultiPartParserError:
        raise BadInput("the form data") from None
    # Uploaded files' names need no check: Django's multipart parser sanitizes them.
    _check_texts("a form field", fields)


def _check_json(request: HttpRequest) -> None:
    if not request.body:
        return
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput("the request body") from None
    try:
        data = json.loads(text)
    except ValueError:
        return  # not JSON at all: the view says so in its own words
    if not data_is_clean(data):
        raise BadInput("the request body")


def request_check(request: HttpRequest) -> None:
    """Raise BadInput naming the first part of the request that holds bad text."""
    _check_texts("the address", [request.path, request.path_info])
    _check_query(request)
    _check_headers(request)
    content_type = request.content_type or ""
    if is_api_request(request) or _json_type(content_type):
        _check_json(request)  # read first, so a form parser after it reads the same bytes
    elif request.method == "POST" and content_type in FORM_TYPES:
        _check_form(request)


class BadInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            request_check(request)
        except BadInput as bad:
            message = (f"The request was refused: {bad} holds a NUL character, an unpaired "
                       "surrogate or bytes that are not UTF-8.")
            if is_api_request(request):
                return api_error(400, "bad_input", message)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        except RequestDataTooBig:
            if is_api_request(request):
                return api_error(413, "body_too_large", "The request body is too large.")
            raise
        return self.get_response(request)
