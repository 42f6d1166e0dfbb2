"""ASGI entry point: HTTP through the request body limit and Django, websockets through Channels (sign-in:
apps.realtime.auth)."""

import os

from django.core.asgi import get_asgi_application

from learning_platform import daphne_bodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings.base")
django_asgi_app = get_asgi_application()
daphne_bodies.install()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from apps.chat.routing import websocket_urlpatterns as chat_urlpatterns  # noqa: E402
from apps.core import daphne_body_limit  # noqa: E402
from apps.core.body_limit import RequestBodyLimitMiddleware  # noqa: E402
from apps.realtime.auth import websocket_auth_stack  # noqa: E402
from apps.realtime.routing import websocket_urlpatterns  # noqa: E402

# Under daphne, the same limits apply while a body arrives, before the server buffers it.
daphne_body_limit.install()

application = ProtocolTypeRouter(
    {
        # Oversized bodies are refused before Django reads them into a temp file.
        "http": RequestBodyLimitMiddleware(django_asgi_app),
        "websocket": websocket_auth_stack(URLRouter(websocket_urlpatterns + chat_urlpatterns)),
    }
)
