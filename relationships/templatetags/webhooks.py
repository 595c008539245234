"""Showing webhook messages and events: their JSON, and descriptions with `code` in them."""

from __future__ import annotations

import json
import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

_CODE = re.compile(r"`([^`]+)`")


@register.filter
def pretty_json(value) -> str:
    """Indented JSON (autoescaped where it is shown)."""
    return json.dumps(value, indent=2, ensure_ascii=False)


@register.filter
def code_spans(text: str) -> str:
    """Escape ``text``, then show its `backquoted` words as code."""
    return mark_safe(_CODE.sub(r"<code>\1</code>", escape(text)))  # noqa: S308 - escaped first
