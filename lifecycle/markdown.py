"""Markdown in documents: rendered by markdown-it (CommonMark) and sanitized by nh3.

The text is stored as written; the HTML is made once, when a section is saved, and is what pages
and PDFs show. Raw HTML in the text is not rendered (it shows as text), and nh3 keeps only the
tags and attributes below whatever the renderer produced; links get ``rel="noopener noreferrer
nofollow"`` and only the http(s) and mailto schemes.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "em",
    "strong", "del", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    """Safe HTML for ``text``."""
    return nh3.clean(
        _RENDERER.render(text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
