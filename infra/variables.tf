variable "region" {
  description = "AWS region of the existing VPC."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Environment name (dev, prod); part of every resource name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment: lower-case letters, digits and dashes, at most 16 characters."
  }
}

variable "vpc_id" {
  description = "Id of the existing VPC the cluster lives in."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets of that VPC, in at least two availability zones; brokers are spread over them round-robin."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) >= 2
    error_message = "Give at least two private subnets (in different availability zones)."
  }
}

variable "client_security_group_ids" {
  description = "Security groups of the Kafka clients (the Kubernetes nodes or pods running web, relay, consumers); the only sources allowed to reach the brokers."
  type        = list(string)
}

variable "private_zone_id" {
  description = "Id of the existing private Route53 hosted zone (associated with the VPC)."
  type        = string
}

variable "private_zone_name" {
  description = "Name of that zone, e.g. learning-platform-prod.internal."
  type        = string
}

variable "broker_count" {
  description = "Brokers (each a combined KRaft controller + broker). Three tolerate one loss with RF 3 / min ISR 2."
  type        = number
  default     = 3

  validation {
    condition     = var.broker_count == 3 || var.broker_count == 5
    error_message = "Combined-mode KRaft needs an odd quorum: 3 or 5 brokers."
  }
}

variable "instance_type" {
  description = "Broker instance type (see README sizing)."
  type        = string
  default     = "m7i.large"
}

variable "data_volume_size_gb" {
  description = "gp3 data volume per broker (Kafka log dirs)."
  type        = number
  default     = 200
}

variable "data_volume_iops" {
  description = "gp3 IOPS per data volume (3000 are included in the gp3 price)."
  type        = number
  default     = 3000
}

variable "data_volume_throughput" {
  description = "gp3 throughput per data volume in MiB/s (125 are included)."
  type        = number
  default     = 125
}

variable "kafka_version" {
  description = "Apache Kafka version installed by cloud-init (KRaft only: 4.x)."
  type        = string
  default     = "4.1.1"
}

variable "kafka_download_url" {
  description = "Where cloud-init downloads the Kafka tarball; empty: the Apache archive URL of kafka_version. Use an S3/HTTPS mirror if the private subnets have no NAT."
  type        = string
  default     = ""
}

variable "kafka_sha512" {
  description = "SHA-512 of that tarball (from the .sha512 file published next to it); cloud-init refuses a tarball that does not match."
  type        = string
}

variable "default_replication_factor" {
  description = "default.replication.factor and the internal topics' RF."
  type        = number
  default     = 3
}

variable "min_insync_replicas" {
  description = "min.insync.replicas: with RF 3, writes with acks=all survive the loss of one broker."
  type        = number
  default     = 2
}

variable "topic_prefix" {
  description = "Prepended to every topic name (same value as EVENTBUS_TOPIC_PREFIX in the application)."
  type        = string
  default     = ""
}

variable "kafka_topics" {
  description = "GENERATED from eventbus/registry.py into eventbus.auto.tfvars.json (scripts/generate_deploy_config.py)."
  type = map(object({
    partitions          = number
    replication_factor  = number
    min_insync_replicas = number
    retention_ms        = number
    compression         = string
    extra_config        = map(string)
  }))
}

variable "kafka_consumer_groups" {
  description = "GENERATED from eventbus/registry.py: consumer group -> topics it consumes and their largest partition count."
  type = map(object({
    topics         = list(string)
    max_partitions = number
  }))
}

variable "kafka_acls" {
  description = "GENERATED from eventbus/registry.py: Kafka principal (SCRAM user) -> its ACLs (topic names without the prefix)."
  type = map(list(object({
    resource   = string
    name       = string
    operations = list(string)
  })))
}

variable "kafka_secrets_arn" {
  description = <<-EOT
    Secrets Manager secret (JSON) the brokers read at boot: "ca_pem", "tls_cert_chain_pem" and "tls_key_pem"
    (a certificate for the bootstrap name and every broker name) and "passwords", one SCRAM password per
    principal: "lp-broker" (inter-broker) and each principal of kafka_acls. docs/deployment.md shows how to make it.
  EOT
  type        = string
}

variable "consumer_lag_alarm_threshold" {
  description = "Alarm when a consumer group's total lag (messages) stays above this for 10 minutes."
  type        = number
  default     = 1000
}

variable "disk_used_alarm_percent" {
  description = "Alarm when a broker's data volume is fuller than this."
  type        = number
  default     = 75
}

variable "snapshot_retention_count" {
  description = "Daily EBS snapshots kept per data volume (DLM)."
  type        = number
  default     = 7
}

variable "alarm_email" {
  description = "Optional e-mail subscribed to the alarm topic (confirm the subscription mail)."
  type        = string
  default     = ""
}

variable "ecr_repository_name" {
  description = "ECR repository of the one application image."
  type        = string
  default     = "learning-platform"
}

variable "ecr_keep_git_images" {
  description = "How many git-<sha> images ECR keeps (release-* images are kept longer)."
  type        = number
  default     = 50
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub Actions OIDC provider; empty: no CI role is created."
  type        = string
  default     = ""
}

variable "github_repository" {
  description = "owner/name of the repository whose workflow may push images (used only with github_oidc_provider_arn)."
  type        = string
  default     = ""
}
