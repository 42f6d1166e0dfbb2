# Least privilege: clients reach 9092 only from their own security groups (through the NLB or directly,
# since Kafka clients talk to each partition leader after bootstrap); 9093 (KRaft controller quorum) only
# between brokers. No SSH: operators use SSM Session Manager. Egress: HTTPS (packages, SSM, CloudWatch)
# and the brokers among themselves.
resource "aws_security_group" "brokers" {
  name        = "${local.name}-brokers"
  description = "Kafka brokers (KRaft combined controller+broker)"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name}-brokers" }
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each = toset(var.client_security_group_ids)

  security_group_id            = aws_security_group.brokers.id
  description                  = "Kafka clients (SASL_SSL listener: SCRAM-SHA-512 over TLS)"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9092
}

resource "aws_vpc_security_group_ingress_rule" "nlb" {
  security_group_id            = aws_security_group.brokers.id
  description                  = "Bootstrap traffic and health checks from the internal NLB"
  referenced_security_group_id = aws_security_group.nlb.id
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9092
}

resource "aws_vpc_security_group_ingress_rule" "inter_broker" {
  security_group_id            = aws_security_group.brokers.id
  description                  = "Replication between brokers"
  referenced_security_group_id = aws_security_group.brokers.id
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9092
}

resource "aws_vpc_security_group_ingress_rule" "controller_quorum" {
  security_group_id            = aws_security_group.brokers.id
  description                  = "KRaft controller quorum between brokers"
  referenced_security_group_id = aws_security_group.brokers.id
  ip_protocol                  = "tcp"
  from_port                    = 9093
  to_port                      = 9093
}

resource "aws_vpc_security_group_egress_rule" "brokers_to_brokers" {
  security_group_id            = aws_security_group.brokers.id
  description                  = "Replication and controller quorum"
  referenced_security_group_id = aws_security_group.brokers.id
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9093
}

resource "aws_vpc_security_group_egress_rule" "brokers_https" {
  security_group_id = aws_security_group.brokers.id
  description       = "HTTPS: OS packages, Kafka tarball, SSM, CloudWatch (through NAT or VPC endpoints)"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_security_group" "nlb" {
  name        = "${local.name}-nlb"
  description = "Internal NLB in front of the Kafka brokers (bootstrap)"
  vpc_id      = var.vpc_id

  tags = { Name = "${local.name}-nlb" }
}

resource "aws_vpc_security_group_ingress_rule" "nlb_clients" {
  for_each = toset(var.client_security_group_ids)

  security_group_id            = aws_security_group.nlb.id
  description                  = "Kafka clients bootstrap"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9092
}

resource "aws_vpc_security_group_egress_rule" "nlb_to_brokers" {
  security_group_id            = aws_security_group.nlb.id
  description                  = "Forward to the brokers"
  referenced_security_group_id = aws_security_group.brokers.id
  ip_protocol                  = "tcp"
  from_port                    = 9092
  to_port                      = 9092
}
