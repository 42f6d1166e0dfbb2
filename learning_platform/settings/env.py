"""One environment reader for every settings module."""

import contextlib
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
_dotenv = BASE_DIR / ".env"
if _dotenv.exists():
    environ.Env.read_env(str(_dotenv))

#: Writable state of the embedded defaults (SQLite file, uploaded media, job queue folders).
DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var")))
with contextlib.suppress(OSError):  # a read-only image keeping no local state (PostgreSQL, S3) needs none
    DATA_DIR.mkdir(parents=True, exist_ok=True)
