"""Request body parsers of the API: JSON everywhere, multipart where a file is uploaded."""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError

from cbrms.errors import ApplicationError


class RequestTooLarge(ApplicationError):
    code = "request_too_large"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with two limits DRF does not set.

    - Size: Django refuses form bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, but DRF reads a
      JSON body straight from the stream, whatever its length; the same limit applies here.
    - Depth: ``json`` decodes nested arrays and objects recursively, so a body of 100,000 ``[``
      raises ``RecursionError`` inside the decoder, which DRF does not catch (a 500).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise RequestTooLarge(
                f"The request body is larger than {limit // 1024} KiB, the most CBRMS accepts "
                "in one JSON request."
            )
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None


class MultiPartParser(parsers.MultiPartParser):
    """For uploads only (evidence files): the views that take a file name it with JSON."""


#: The parsers of a view that accepts a file upload besides JSON.
UPLOAD_PARSERS = [JSONParser, MultiPartParser]
