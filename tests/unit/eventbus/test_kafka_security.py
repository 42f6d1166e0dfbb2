"""Every Kafka client authenticates the same way: settings -> the connection options of each client."""

import os
import ssl
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from eventbus.kafka import connection_options, consumer_config, producer_config

ROOT = Path(__file__).resolve().parents[3]
SASL_SSL = {
    "KAFKA_BOOTSTRAP_SERVERS": "kafka.internal:9094",
    "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
    "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
    "KAFKA_SASL_USERNAME": "lp-relay",
    "KAFKA_SASL_PASSWORD": "relay-secret",
    "KAFKA_SSL_CAFILE": "",
}


@override_settings(**SASL_SSL)
def test_sasl_ssl_gives_every_client_scram_credentials_and_a_verifying_tls_context():
    for options in (connection_options(), producer_config(), consumer_config("documents")):
        assert options["security_protocol"] == "SASL_SSL"
        assert options["sasl_mechanism"] == "SCRAM-SHA-512"
        assert options["sasl_plain_username"] == "lp-relay"
        assert options["sasl_plain_password"] == "relay-secret"
        context = options["ssl_context"]
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname is True


@override_settings(**{**SASL_SSL, "KAFKA_SSL_CAFILE": "/nonexistent/ca.pem"})
def test_a_missing_ca_file_fails_loudly():
    with pytest.raises(FileNotFoundError):
        connection_options()


@override_settings(KAFKA_SECURITY_PROTOCOL="PLAINTEXT", KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9092")
def test_plaintext_carries_no_credentials():
    assert connection_options() == {"bootstrap_servers": "127.0.0.1:9092", "security_protocol": "PLAINTEXT"}


def test_admin_and_replay_clients_use_the_connection_options():
    for module in ("kafka.py", "replay.py"):
        source = (ROOT / "eventbus" / module).read_text()
        assert "security_protocol=settings" not in source, module
    assert "**connection_options()" in (ROOT / "eventbus" / "replay.py").read_text()


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"KAFKA_SECURITY_PROTOCOL": "SASL_SSL"}, "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
        ({"KAFKA_SECURITY_PROTOCOL": "TLS"}, "use PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL"),
        (
            {**SASL_SSL, "KAFKA_SASL_MECHANISM": "GSSAPI"},
            "KAFKA_SASL_MECHANISM=GSSAPI: use SCRAM-SHA-512",
        ),
    ],
    ids=["sasl-without-credentials", "unknown-protocol", "unknown-mechanism"],
)
def test_incomplete_kafka_security_settings_stop_the_process(tmp_path, env, message):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "DJANGO_"))}
    code = "import django; django.setup()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base", "DATA_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert message in result.stderr
