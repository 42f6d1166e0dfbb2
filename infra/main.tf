# Kafka on EC2: combined KRaft controller+broker nodes spread over the private subnets of an existing VPC.
# See README.md (design, cost) and docs/decisions/0006-deployment-topology.md (why combined mode).

data "aws_caller_identity" "current" {}

data "aws_subnet" "private" {
  for_each = toset(var.private_subnet_ids)
  id       = each.value
}

# Amazon Linux 2023, latest x86_64 AMI (SSM public parameter). Pin ami_id through lifecycle if needed.
data "aws_ssm_parameter" "al2023" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

resource "random_id" "cluster_id" {
  # KRaft cluster id: 16 random bytes, URL-safe base64 (what kafka-storage.sh random-uuid prints).
  byte_length = 16
}

locals {
  name        = "learning-platform-${var.environment}-kafka"
  account_id  = data.aws_caller_identity.current.account_id
  cluster_id  = replace(random_id.cluster_id.b64_url, "=", "")
  kafka_url   = var.kafka_download_url != "" ? var.kafka_download_url : "https://archive.apache.org/dist/kafka/${var.kafka_version}/kafka_2.13-${var.kafka_version}.tgz"
  vpc_azs     = distinct([for s in data.aws_subnet.private : s.availability_zone])
  broker_ids  = [for i in range(var.broker_count) : i + 1]
  broker_fqdn = { for id in local.broker_ids : id => "kafka-${id}.${var.private_zone_name}" }
  # Broker n goes to subnet (n-1) mod len(subnets): with 3 subnets in 3 AZs, one broker per AZ.
  broker_subnet = { for id in local.broker_ids : id => var.private_subnet_ids[(id - 1) % length(var.private_subnet_ids)] }
  quorum_voters = join(",", [for id in local.broker_ids : "${id}@${local.broker_fqdn[id]}:9093"])

  topics = {
    for name, t in var.kafka_topics : "${var.topic_prefix}${name}" => merge(t, {
      # Never more replicas than brokers (a 1-broker dev cluster would reject RF 3).
      replication_factor  = min(t.replication_factor, var.broker_count)
      min_insync_replicas = min(t.min_insync_replicas, var.broker_count)
    })
  }
  # The application's Kafka group.id is EVENTBUS_TOPIC_PREFIX + group (eventbus/kafka.py).
  consumer_group_ids = { for g, _ in var.kafka_consumer_groups : g => "${var.topic_prefix}${g}" }
  # Topic and group ACLs name the environment's prefixed resources; the cluster ACL names the cluster.
  kafka_acls = {
    for principal, acls in var.kafka_acls : principal => [
      for a in acls : merge(a, { name = a.resource == "cluster" ? a.name : "${var.topic_prefix}${a.name}" })
    ]
  }
}

check "brokers_span_two_azs" {
  assert {
    condition     = length(local.vpc_azs) >= 2
    error_message = "private_subnet_ids must cover at least two availability zones."
  }
}
