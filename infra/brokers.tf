# Each broker owns a fixed network interface (stable private IP and DNS name: KRaft voters must not move)
# and a separate encrypted gp3 data volume: replacing an instance (new AMI, new user data) keeps both, so a
# replaced broker restarts with its data and only catches up what it missed.
resource "aws_network_interface" "broker" {
  for_each = local.broker_subnet

  subnet_id       = each.value
  security_groups = [aws_security_group.brokers.id]
  description     = "${local.name}-${each.key}"

  tags = { Name = "${local.name}-${each.key}" }
}

resource "aws_ebs_volume" "data" {
  for_each = local.broker_subnet

  availability_zone = data.aws_subnet.private[each.value].availability_zone
  type              = "gp3"
  size              = var.data_volume_size_gb
  iops              = var.data_volume_iops
  throughput        = var.data_volume_throughput
  encrypted         = true
  kms_key_id        = aws_kms_key.kafka.arn

  tags = {
    Name     = "${local.name}-${each.key}-data"
    Snapshot = local.name # selected by the DLM policy
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_instance" "broker" {
  for_each = local.broker_subnet

  ami                  = data.aws_ssm_parameter.al2023.value
  instance_type        = var.instance_type
  iam_instance_profile = aws_iam_instance_profile.broker.name
  ebs_optimized        = true
  monitoring           = true

  network_interface {
    network_interface_id = aws_network_interface.broker[each.key].id
    device_index         = 0
  }

  metadata_options {
    http_tokens                 = "required"
    http_endpoint               = "enabled"
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = 20
    encrypted             = true
    kms_key_id            = aws_kms_key.kafka.arn
    delete_on_termination = true
  }

  user_data_replace_on_change = true
  user_data = templatefile("${path.module}/templates/cloud-init.yaml.tftpl", {
    node_id                    = each.key
    cluster_id                 = local.cluster_id
    quorum_voters              = local.quorum_voters
    advertised_host            = local.broker_fqdn[each.key]
    rack                       = data.aws_subnet.private[each.value].availability_zone
    data_volume_id             = aws_ebs_volume.data[each.key].id
    kafka_version              = var.kafka_version
    kafka_url                  = local.kafka_url
    kafka_sha512               = var.kafka_sha512
    default_replication_factor = min(var.default_replication_factor, var.broker_count)
    min_insync_replicas        = min(var.min_insync_replicas, var.broker_count)
    create_topics              = each.key == "1"
    topics_json                = jsonencode(local.topics)
    consumer_groups_json       = jsonencode(local.consumer_group_ids)
    acls_json                  = jsonencode(local.kafka_acls)
    kafka_secrets_arn          = var.kafka_secrets_arn
    environment                = var.environment
    region                     = var.region
    log_group                  = aws_cloudwatch_log_group.kafka.name
  })

  tags = {
    Name        = "${local.name}-${each.key}"
    KafkaNodeId = tostring(each.key)
  }

  lifecycle {
    # A new AMI must not replace every broker at once: roll them one by one (docs/deployment.md).
    ignore_changes = [ami]
  }
}

resource "aws_volume_attachment" "data" {
  for_each = local.broker_subnet

  device_name = "/dev/sdf"
  volume_id   = aws_ebs_volume.data[each.key].id
  instance_id = aws_instance.broker[each.key].id
}
