# Broker instance role: SSM Session Manager (no SSH), CloudWatch agent metrics and logs, and reading its one
# secret (TLS key and certificate, SCRAM passwords), nothing else.
data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "broker" {
  name               = "${local.name}-broker"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

resource "aws_iam_role_policy_attachment" "broker_ssm" {
  role       = aws_iam_role.broker.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "broker" {
  statement {
    sid       = "PutKafkaMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource type; the namespace condition scopes it.
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["CWAgent", "LearningPlatform/Kafka"]
    }
  }

  statement {
    sid       = "ReadKafkaSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [var.kafka_secrets_arn]
  }

  statement {
    sid       = "ShipKafkaLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
    resources = ["${aws_cloudwatch_log_group.kafka.arn}:*"]
  }
}

resource "aws_iam_role_policy" "broker" {
  name   = "metrics-and-logs"
  role   = aws_iam_role.broker.id
  policy = data.aws_iam_policy_document.broker.json
}

resource "aws_iam_instance_profile" "broker" {
  name = "${local.name}-broker"
  role = aws_iam_role.broker.name
}

resource "aws_cloudwatch_log_group" "kafka" {
  name              = "/learning-platform/${var.environment}/kafka"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.kafka.arn
}

# Data Lifecycle Manager: its service role.
data "aws_iam_policy_document" "dlm_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["dlm.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "dlm" {
  name               = "${local.name}-dlm"
  assume_role_policy = data.aws_iam_policy_document.dlm_assume.json
}

resource "aws_iam_role_policy_attachment" "dlm" {
  role       = aws_iam_role.dlm.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSDataLifecycleManagerServiceRole"
}
