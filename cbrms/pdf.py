"""PDFs from HTML (WeasyPrint), fetching nothing but what we ship.

WeasyPrint's default fetcher reads local files and follows URLs and redirects, so a document
holding ``<img src="file:///etc/passwd">`` or an internal address would pull them into the
PDF. ``ShippedOnlyFetcher`` allows ``data:`` URIs and our own static files (named
``cbrms-static:<path>``) and refuses everything else, before any connection is made: there is
no network and no file system to reach. Fonts are ours (``static/fonts``), embedded, and the
output is PDF/A-3u, the archival form with Unicode text.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

#: How templates name a file we ship: ``cbrms-static:fonts/DejaVuSans.ttf``.
STATIC_SCHEME = "cbrms-static:"
PDF_VARIANT = "pdf/a-3u"
_CONTENT_TYPES = {".ttf": "font/ttf", ".css": "text/css", ".svg": "image/svg+xml"}


class ShippedOnlyFetcher(URLFetcher):
    """Serves ``data:`` URIs and our static files; refuses (and remembers) every other URL."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"data"}, allow_redirects=False, timeout=1)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_SCHEME):
            return self._static(url[len(STATIC_SCHEME) :])
        if url[:5].lower() == "data:":
            return super().fetch(url, headers)  # decoded in memory: no handler but data's runs
        self.refused.append(url)
        logger.warning("PDF rendering refused to fetch %.200s", url)
        raise ValueError("Only data: URIs and files shipped with CBRMS are fetched.")

    def _static(self, name: str) -> URLFetcherResponse:
        path = PurePosixPath(unquote(name))
        if path.is_absolute() or ".." in path.parts or path.suffix not in _CONTENT_TYPES:
            self.refused.append(STATIC_SCHEME + name)
            raise ValueError("Not a file CBRMS ships for documents.")
        found = finders.find(str(path))
        if not found:
            self.refused.append(STATIC_SCHEME + name)
            raise ValueError("No such static file.")
        with open(found, "rb") as file:
            body = file.read()
        return URLFetcherResponse(
            STATIC_SCHEME + str(path),
            body,
            headers={"Content-Type": _CONTENT_TYPES[path.suffix]},
        )


def static_text(name: str) -> str:
    """A stylesheet we ship (``css/document-pdf.css``), as text for ``render_pdf``."""
    with open(finders.find(name), encoding="utf-8") as file:
        return file.read()


def render_pdf(html: str, *, stylesheet: str, fetcher: ShippedOnlyFetcher | None = None) -> bytes:
    """``html`` laid out with ``stylesheet`` (CSS text, which may name ``cbrms-static:`` fonts)
    as a tagged PDF/A-3u document."""
    fetcher = fetcher or ShippedOnlyFetcher()
    fonts = FontConfiguration()
    css = CSS(string=stylesheet, font_config=fonts, url_fetcher=fetcher)
    document = HTML(string=html, url_fetcher=fetcher)
    return document.write_pdf(
        stylesheets=[css],
        font_config=fonts,
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
    )
