"""Reading an uploaded prompt set (JSONL or CSV) into validated rows, without Django.

Every line is checked before anything is stored, so a researcher gets one message per bad line
and a file with any bad line imports nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

MAX_ITEMS = 20_000
MAX_TEXT_CHARS = 20_000
FIELDS = {"text", "image", "category", "language", "gold_best"}


@dataclass(frozen=True)
class PromptRow:
    text: str
    image_url: str = ""
    category: str = ""
    language: str = ""
    gold_best: int | None = None
    line: int = 0  # in the uploaded file, so later checks (moderation) can name the line


def _row(raw: object, *, k: int) -> PromptRow:
    """One row, or ValueError saying what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError("expected an object with a \"text\" field")
    unknown = sorted(set(raw) - FIELDS)
    if unknown:
        raise ValueError(f"unknown field(s) {', '.join(unknown)}")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("\"text\" is missing or empty")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"\"text\" is longer than {MAX_TEXT_CHARS} characters")
    image = raw.get("image") or ""
    if not isinstance(image, str) or (image and urlsplit(image).scheme not in ("http", "https")):
        raise ValueError("\"image\" must be an http(s) URL")
    category, language = raw.get("category") or "", raw.get("language") or ""
    if not isinstance(category, str) or len(category) > 80:
        raise ValueError("\"category\" must be text of at most 80 characters")
    if not isinstance(language, str) or len(language) > 16:
        raise ValueError("\"language\" must be a language tag such as \"en\" or \"pt-BR\"")
    gold = raw.get("gold_best")
    if gold in ("", None):
        gold = None
    else:
        try:
            gold = int(str(gold))
        except ValueError:
            raise ValueError("\"gold_best\" must be a whole number") from None
        if not 0 <= gold < k:
            raise ValueError(f"\"gold_best\" must be between 0 and {k - 1}")
    return PromptRow(text.strip(), image, category.strip(), language.strip(), gold)


def _records(data: str, fmt: str) -> list[tuple[int, object]]:
    if fmt == "jsonl":
        out: list[tuple[int, object]] = []
        for number, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                out.append((number, json.loads(line)))
            except json.JSONDecodeError as error:
                out.append((number, ValueError(f"not valid JSON ({error.msg})")))
        return out
    reader = csv.DictReader(io.StringIO(data))
    if not reader.fieldnames or "text" not in reader.fieldnames:
        raise ValueError("the CSV has no header row with a \"text\" column")
    # Line numbers count the header, as a spreadsheet shows them.
    return [(index + 2, {key: value for key, value in row.items() if key is not None})
            for index, row in enumerate(reader)]


def prompt_set_parse(data: bytes, *, fmt: str, k: int) -> tuple[list[PromptRow], list[str]]:
    """The rows, and one problem per bad line ("line 3: ..."); rows are meaningful only when
    there are no problems."""
    if fmt not in ("jsonl", "csv"):
        return [], [f"unknown format {fmt!r}; use jsonl or csv"]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], ["the file is not UTF-8 text"]
    try:
        records = _records(text, fmt)
    except (ValueError, csv.Error) as error:
        return [], [str(error)]
    rows: list[PromptRow] = []
    problems: list[str] = []
    for number, record in records:
        try:
            if isinstance(record, ValueError):
                raise record
            rows.append(replace(_row(record, k=k), line=number))
        except ValueError as error:
            problems.append(f"line {number}: {error}")
    if not rows and not problems:
        problems.append("the file has no prompts")
    if len(rows) > MAX_ITEMS:
        problems.append(f"at most {MAX_ITEMS} prompts per upload")
    return rows, problems
