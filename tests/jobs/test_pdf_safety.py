"""PDF rendering fetches nothing but ``data:`` URIs and the files we ship: not the network, not
the file system, not through redirects, not as attachments; and a hostile document ends
within the job's time limit (``test_job_worker.py`` runs that through a real worker)."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from cbrms.pdf import ShippedOnlyFetcher, render_pdf
from tests.jobs.conftest import SECRET

#: A data: URI: the one kind of URL a document may use.
INLINE_IMAGE = (
    "data:image/svg+xml;utf8,&lt;svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/&gt;"
)


def hostile_html(port: int, secret) -> str:
    """Every way we know for a document to make the renderer fetch or embed something."""
    local = f"http://127.0.0.1:{port}"
    return f"""<html lang="en"><head><title>Hostile</title>
<link rel="stylesheet" href="{local}/style.css">
<link rel="attachment" href="file://{secret}">
<style>
  @import url("{local}/import.css");
  body {{ background: url("file://{secret}"); }}
  @font-face {{ font-family: Trap; src: url("{local}/font.ttf"); }}
  p.trap {{ font-family: Trap; }}
</style></head><body>
<p class="trap">Text in a font from afar.</p>
<img src="file://{secret}" alt="a local file">
<img src="{local}/pixel.png" alt="loopback">
<img src="http://localhost:{port}/redirect" alt="a redirect to a file">
<img src="http://169.254.169.254/latest/meta-data/" alt="link-local metadata">
<img src="http://10.1.2.3/x.png" alt="a private address">
<img src="https://example.com/x.png" alt="the internet">
<a rel="attachment" href="{local}/attach.txt">an attachment from afar</a>
<a rel="attachment" href="file://{secret}">a local attachment</a>
<object data="file://{secret}"></object><embed src="file://{secret}">
<svg width="10" height="10"><image href="file://{secret}" width="10" height="10"/></svg>
<img src="cbrms-static:../../cbrms/settings/base.py" alt="out of static">
<img src="cbrms-static:/etc/passwd" alt="an absolute path">
<iframe src="{local}/frame"></iframe>
<img src="{INLINE_IMAGE}" alt="inline">
</body></html>"""


def test_nothing_is_fetched_and_nothing_embedded(trap, secret_file):
    port, hits = trap
    fetcher = ShippedOnlyFetcher()
    pdf = render_pdf(hostile_html(port, secret_file), stylesheet="", fetcher=fetcher)

    assert hits == []  # no request reached the server, redirects and all
    local = f"http://127.0.0.1:{port}"
    for url in (
        f"{local}/style.css",
        f"{local}/import.css",
        f"{local}/font.ttf",
        f"{local}/pixel.png",
        f"{local}/attach.txt",
        f"http://localhost:{port}/redirect",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/x.png",
        "https://example.com/x.png",
        f"file://{secret_file}",
        "cbrms-static:../../cbrms/settings/base.py",
        "cbrms-static:/etc/passwd",
    ):
        assert url in fetcher.refused, url
    assert not any(url.startswith("data:") for url in fetcher.refused)
    assert b"/EmbeddedFile" not in pdf
    reader = PdfReader(io.BytesIO(pdf))
    assert "/Names" not in reader.trailer["/Root"] or (
        "/EmbeddedFiles" not in reader.trailer["/Root"]["/Names"]
    )
    assert SECRET not in "".join(page.extract_text() for page in reader.pages)


def test_our_own_fonts_are_served_from_static_and_nothing_else_there():
    fetcher = ShippedOnlyFetcher()
    font = fetcher.fetch("cbrms-static:fonts/DejaVuSans.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType file
    for name in ("fonts/../../manage.py", "js/cbrms.js", "favicon.ico", "fonts/nothing.ttf"):
        with pytest.raises(ValueError):  # noqa: PT011 - the fetcher refuses with ValueError
            fetcher.fetch("cbrms-static:" + name)
