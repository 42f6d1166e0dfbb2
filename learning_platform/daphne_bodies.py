"""Daphne hands request bodies to Django untouched.

Daphne's request class is Twisted's ``http.Request``, which by default parses every POST form body itself
(``multipart/form-data`` and urlencoded) before the application sees it -- a second full copy of the body in
memory that nothing reads, since Django parses the body again. Worse, when Twisted's parser rejects a body (an
empty multipart message, for example) it writes a bare ``400 Bad Request`` with no headers and no body and
closes the connection: the application never runs, so the answer carries neither the platform's JSON error
shape nor a request id. Twisted lets a request opt out (``parsePOSTFormSubmission=False``); Daphne does not
pass it, so :func:`install` swaps Daphne's request factory for a subclass that does. Bodies then reach Django,
which answers malformed ones with a 400 in the one error shape.
"""

from typing import Any


def install() -> bool:
    """Makes Daphne's HTTP factory build requests that leave the body alone; False where Daphne is absent."""
    try:
        from daphne import http_protocol
    except ImportError:  # another ASGI server: nothing parses bodies before Django
        return False
    if getattr(http_protocol.WebRequest, "leaves_body_to_application", False):
        return True

    class BodyPreservingWebRequest(http_protocol.WebRequest):
        leaves_body_to_application = True

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["parsePOSTFormSubmission"] = False
            super().__init__(*args, **kwargs)

    # HTTPFactory.buildProtocol reads the module-level name on every connection.
    http_protocol.WebRequest = BodyPreservingWebRequest
    return True
