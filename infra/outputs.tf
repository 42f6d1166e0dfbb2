output "bootstrap_servers" {
  description = "KAFKA_BOOTSTRAP_SERVERS for the application."
  value       = "kafka.${var.private_zone_name}:9092"
}

output "broker_addresses" {
  description = "Advertised address of each broker."
  value       = { for id, fqdn in local.broker_fqdn : id => "${fqdn}:9092" }
}

output "broker_instance_ids" {
  value = { for id, instance in aws_instance.broker : id => instance.id }
}

output "broker_security_group_id" {
  value = aws_security_group.brokers.id
}

output "alarm_topic_arn" {
  value = aws_sns_topic.alarms.arn
}

output "ecr_repository_url" {
  value = aws_ecr_repository.app.repository_url
}

output "ci_role_arn" {
  value = try(aws_iam_role.ci[0].arn, "")
}

output "kafka_cluster_id" {
  value = local.cluster_id
}
