"""DRF's content negotiation, remembered per process for each Accept header it has answered.

DRF parses the ``Accept`` header and matches it against every renderer's media type on every request, though
the answer depends only on the header, the format asked for and the view's renderer classes: a list read
spent about 3 % of its CPU there (``bench.api.cpu --profile "documents list"``). ``RememberedNegotiation``
asks DRF once per such key and returns the same choice (the position of the renderer among this request's
renderers, the same media type) afterwards; what DRF refuses (406, 404) is never remembered, so it is
refused the same way each time. The memory is bounded: a client cannot grow it by sending new headers.
"""

import threading
from collections.abc import Iterable
from typing import Any

from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

_MAX_ENTRIES = 256
_MAX_HEADER = 512
_chosen: dict[tuple[Any, ...], tuple[int, str]] = {}
_lock = threading.Lock()


class RememberedNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderers = list(renderers)
        header = request.META.get("HTTP_ACCEPT", "*/*")
        if len(header) > _MAX_HEADER:
            return super().select_renderer(request, renderers, format_suffix)
        format_query = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE or "")
        key = (tuple(type(renderer) for renderer in renderers), header, format_suffix, format_query)
        chosen = _chosen.get(key)
        if chosen is not None:
            return renderers[chosen[0]], chosen[1]
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        with _lock:
            if len(_chosen) >= _MAX_ENTRIES:
                _chosen.clear()
            _chosen[key] = (renderers.index(renderer), media_type)
        return renderer, media_type
