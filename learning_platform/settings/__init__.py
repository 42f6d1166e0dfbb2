"""Settings split by concern.

``base`` is what every process runs (embedded defaults, all overridable from the environment);
``test`` and ``production`` adjust it. Each integration lives in its own module and reads the
environment through :data:`learning_platform.settings.env.env`.
"""
