# Alarms go to one encrypted SNS topic. Broker metrics come from the CloudWatch agent's JMX receiver
# (namespace CWAgent); consumer lag from a per-minute timer on the brokers (namespace LearningPlatform/Kafka).
resource "aws_sns_topic" "alarms" {
  name              = "${local.name}-alarms"
  kms_master_key_id = aws_kms_key.kafka.arn
}

resource "aws_sns_topic_subscription" "email" {
  count = var.alarm_email == "" ? 0 : 1

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alarm_actions = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "under_replicated" {
  for_each = aws_instance.broker

  alarm_name          = "${local.name}-${each.key}-under-replicated-partitions"
  alarm_description   = "Broker ${each.key} leads partitions with fewer in-sync replicas than replicas. Runbook: docs/deployment.md#broker-loss"
  namespace           = "CWAgent"
  metric_name         = "kafka.partition.under_replicated"
  dimensions          = { InstanceId = each.value.id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "offline_partitions" {
  for_each = aws_instance.broker

  alarm_name          = "${local.name}-${each.key}-offline-partitions"
  alarm_description   = "Partitions without a leader: producers and consumers of them are stopped. Runbook: docs/deployment.md#broker-loss"
  namespace           = "CWAgent"
  metric_name         = "kafka.partition.offline"
  dimensions          = { InstanceId = each.value.id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "active_controller" {
  alarm_name          = "${local.name}-active-controller-count"
  alarm_description   = "Exactly one KRaft controller must be active. Runbook: docs/deployment.md#broker-loss"
  comparison_operator = "GreaterThanThreshold"
  evaluation_periods  = 3
  threshold           = 0
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions

  metric_query {
    id          = "distance"
    expression  = "ABS(${join(" + ", [for k, _ in aws_instance.broker : "FILL(c${k}, 0)"])} - 1)"
    label       = "active controllers minus one"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = aws_instance.broker
    content {
      id = "c${metric_query.key}"
      metric {
        namespace   = "CWAgent"
        metric_name = "kafka.controller.active.count"
        dimensions  = { InstanceId = metric_query.value.id }
        stat        = "Maximum"
        period      = 60
      }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "disk_used" {
  for_each = aws_instance.broker

  alarm_name          = "${local.name}-${each.key}-data-disk-used"
  alarm_description   = "Kafka data volume above ${var.disk_used_alarm_percent}%: grow the gp3 volume online or shorten retention. Runbook: docs/deployment.md#disk"
  namespace           = "CWAgent"
  metric_name         = "disk_used_percent"
  dimensions          = { InstanceId = each.value.id, path = "/var/lib/kafka", fstype = "xfs" }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 2
  threshold           = var.disk_used_alarm_percent
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}

resource "aws_cloudwatch_metric_alarm" "system_check" {
  for_each = aws_instance.broker

  alarm_name          = "${local.name}-${each.key}-system-status-check"
  alarm_description   = "Host failure: EC2 recovers the instance on new hardware (same ENI, same data volume)."
  namespace           = "AWS/EC2"
  metric_name         = "StatusCheckFailed_System"
  dimensions          = { InstanceId = each.value.id }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = concat(local.alarm_actions, ["arn:aws:automate:${var.region}:ec2:recover"])
}

resource "aws_cloudwatch_metric_alarm" "consumer_lag" {
  for_each = local.consumer_group_ids

  alarm_name          = "${local.name}-consumer-lag-${each.key}"
  alarm_description   = "Consumer group ${each.value} is ${var.consumer_lag_alarm_threshold}+ messages behind for 10 minutes. Runbook: docs/deployment.md#consumer-lag"
  namespace           = "LearningPlatform/Kafka"
  metric_name         = "ConsumerGroupLag"
  dimensions          = { Environment = var.environment, ConsumerGroup = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 10
  threshold           = var.consumer_lag_alarm_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "missing"
  alarm_actions       = local.alarm_actions
  ok_actions          = local.alarm_actions
}
