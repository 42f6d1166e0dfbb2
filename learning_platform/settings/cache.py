"""Cache and the Channels layer: Redis when REDIS_URL is set, in-process otherwise."""

from typing import Any

from learning_platform.settings.env import env

REDIS_URL = env.str("REDIS_URL", default="")

CACHES: dict[str, dict[str, Any]]
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "lp",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, shorter than the layer's 5 s blocking pop
            # plus network time: an idle websocket then dies with 1011. Give reads room beyond the pop. Connects
            # get the same room: a burst of sign-ins opens many connections at once (each ``group_add`` on an
            # empty pool), and a web process busy answering can hold its event loop past 5 s.
            # redis-py's pool holds at most 100 connections by default: 100 sockets signing in at once (each a
            # ``group_add`` and a blocking receive) ran out ("Too many connections", seen in CI's server log).
            "CONFIG": {
                "hosts": [
                    {"address": REDIS_URL, "socket_timeout": 30, "socket_connect_timeout": 30, "max_connections": 1000}
                ]
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "lp"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

#: How websocket pushes reach the web process: "channel_layer" (Redis, crosses processes by itself) or
#: "database" (embedded defaults: workers write push rows, the web process streams them to sockets).
REALTIME_DELIVERY = env.str("REALTIME_DELIVERY", default="channel_layer" if REDIS_URL else "database")
REALTIME_POLL_SECONDS = env.float("REALTIME_POLL_SECONDS", default=0.5)
#: Websocket sign-in (apps.realtime.auth): seconds a socket may wait for its first ``auth`` message, and how
#: often an open socket re-checks that its sign-in still holds (token expiry closes it on time regardless).
REALTIME_AUTH_TIMEOUT_SECONDS = env.float("REALTIME_AUTH_TIMEOUT_SECONDS", default=5.0)
REALTIME_AUTH_RECHECK_SECONDS = env.float("REALTIME_AUTH_RECHECK_SECONDS", default=30.0)
