"""ASGI entry point: HTTP through Django, websockets through Channels with JWT authentication."""

import os

from django.core.asgi import get_asgi_application

from learning_platform import daphne_bodies

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings.base")
django_asgi_app = get_asgi_application()
daphne_bodies.install()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from apps.realtime.auth import JwtAuthMiddleware  # noqa: E402
from apps.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(JwtAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
