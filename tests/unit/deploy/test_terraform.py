"""Terraform: every file parses (python-hcl2) and has the cluster's required shape."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import hcl2
import pytest
import yaml

from tests.unit.deploy.helpers import INFRA


def _unquote(value: Any) -> Any:
    """python-hcl2 8 keeps the quotes of labels and string literals: '"gp3"' -> 'gp3'."""
    if isinstance(value, dict):
        return {_unquote(k): _unquote(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _load() -> dict[str, list[Any]]:
    merged: dict[str, list[Any]] = {}
    for path in sorted(INFRA.glob("*.tf")):
        with path.open() as handle:
            for key, value in _unquote(hcl2.load(handle)).items():
                merged.setdefault(key, []).extend(value)
    return merged


def _resources(config: dict[str, list[Any]], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in config.get("resource", []):
        for rtype, named in block.items():
            if rtype == kind:
                out.update(named)
    return out


def _variables(config: dict[str, list[Any]]) -> dict[str, Any]:
    return {name: body for block in config["variable"] for name, body in block.items()}


def test_every_tf_file_parses() -> None:
    files = sorted(INFRA.glob("*.tf"))
    assert len(files) >= 8
    for path in files:
        with path.open() as handle:
            hcl2.load(handle)


def test_inputs_and_production_defaults() -> None:
    variables = _variables(_load())
    for required in ("vpc_id", "private_subnet_ids", "client_security_group_ids", "private_zone_id", "kafka_sha512"):
        assert "default" not in variables[required], f"{required} must be given per environment"
    assert variables["broker_count"]["default"] == 3
    assert variables["default_replication_factor"]["default"] == 3
    assert variables["min_insync_replicas"]["default"] == 2
    assert "length(var.private_subnet_ids) >= 2" in json.dumps(variables["private_subnet_ids"]["validation"])


def test_brokers_storage_network_and_alarms() -> None:
    config = _load()
    volumes = _resources(config, "aws_ebs_volume")["data"]
    assert volumes["type"] == "gp3"
    assert volumes["encrypted"] is True
    instances = _resources(config, "aws_instance")["broker"]
    assert instances["metadata_options"][0]["http_tokens"] == "required"
    assert _resources(config, "aws_lb")["kafka"]["internal"] is True
    assert _resources(config, "aws_lb")["kafka"]["load_balancer_type"] == "network"
    assert "bootstrap" in _resources(config, "aws_route53_record")
    assert _resources(config, "aws_dlm_lifecycle_policy")
    alarms = _resources(config, "aws_cloudwatch_metric_alarm")
    assert {"under_replicated", "offline_partitions", "disk_used", "consumer_lag"} <= set(alarms)
    ingress = _resources(config, "aws_vpc_security_group_ingress_rule")
    assert all("cidr_ipv4" not in rule for rule in ingress.values()), "brokers accept security groups only"
    ecr = _resources(config, "aws_ecr_repository")["app"]
    assert ecr["image_tag_mutability"] == "IMMUTABLE"
    assert _resources(config, "aws_ecr_lifecycle_policy")


def test_formatting_and_cloud_init_render() -> None:
    """Only where a terraform binary exists: `terraform fmt -check` and the cloud-init template renders to
    valid YAML (terraform console needs no provider). Elsewhere the operator runs the commands in infra/README.md."""
    if shutil.which("terraform") is None:
        pytest.skip("no terraform binary: run `terraform fmt -check infra` and `terraform validate` where it exists")
    fmt = subprocess.run(
        ["terraform", "fmt", "-check", "-diff", str(INFRA)], capture_output=True, text=True, timeout=60
    )
    assert fmt.returncode == 0, fmt.stdout
    variables = (
        '{node_id="1", cluster_id="abc", quorum_voters="1@kafka-1.x:9093", advertised_host="kafka-1.x", rack="a",'
        ' data_volume_id="vol-0123", kafka_version="4.1.1", kafka_url="https://example.invalid/k.tgz",'
        ' kafka_sha512="00", default_replication_factor=3, min_insync_replicas=2, create_topics=true,'
        ' topics_json=jsonencode({"t"={"partitions"=3}}), consumer_groups_json=jsonencode({"g"="g"}),'
        ' acls_json=jsonencode({"lp-relay"=[{"resource"="topic", "name"="t", "operations"=["Write"]}]}),'
        ' kafka_secrets_arn="arn:aws:secretsmanager:eu-west-1:1:secret:k",'
        ' environment="dev", region="eu-west-1", log_group="/lp"}'
    )
    expression = f'templatefile("{INFRA / "templates" / "cloud-init.yaml.tftpl"}", {variables})'
    out = subprocess.run(
        ["terraform", "console"], input=expression, capture_output=True, text=True, timeout=60, cwd=INFRA / "templates"
    )
    assert out.returncode == 0, out.stderr
    body = out.stdout.strip().removeprefix("<<EOT").removesuffix("EOT")
    cloud_init = yaml.safe_load(body)
    assert "runcmd" in cloud_init
    properties = next(f for f in cloud_init["write_files"] if f["path"] == "/etc/kafka/server.properties")["content"]
    assert "process.roles=broker,controller" in properties
    assert "min.insync.replicas=2" in properties
