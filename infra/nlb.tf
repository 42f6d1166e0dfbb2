# Internal NLB: the one bootstrap address (kafka.<zone>:9092). After bootstrap, clients connect to each
# partition leader by its advertised name (kafka-<n>.<zone>), so the NLB carries bootstrap traffic only.
resource "aws_lb" "kafka" {
  # checkov:skip=CKV_AWS_91:NLB access logs exist for TLS listeners only; this TCP listener has none to write.
  name                             = substr("${local.name}-nlb", 0, 32)
  internal                         = true
  load_balancer_type               = "network"
  subnets                          = var.private_subnet_ids
  security_groups                  = [aws_security_group.nlb.id]
  enable_cross_zone_load_balancing = true
  enable_deletion_protection       = true
}

resource "aws_lb_target_group" "kafka" {
  name              = substr("${local.name}-tg", 0, 32)
  port              = 9092
  protocol          = "TCP"
  vpc_id            = var.vpc_id
  target_type       = "instance"
  proxy_protocol_v2 = false

  health_check {
    protocol            = "TCP"
    port                = "9092"
    interval            = 10
    healthy_threshold   = 3
    unhealthy_threshold = 3
  }
}

resource "aws_lb_target_group_attachment" "kafka" {
  for_each = aws_instance.broker

  target_group_arn = aws_lb_target_group.kafka.arn
  target_id        = each.value.id
  port             = 9092
}

resource "aws_lb_listener" "kafka" {
  load_balancer_arn = aws_lb.kafka.arn
  port              = 9092
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.kafka.arn
  }
}

resource "aws_route53_record" "bootstrap" {
  zone_id = var.private_zone_id
  name    = "kafka.${var.private_zone_name}"
  type    = "A"

  alias {
    name                   = aws_lb.kafka.dns_name
    zone_id                = aws_lb.kafka.zone_id
    evaluate_target_health = true
  }
}

resource "aws_route53_record" "broker" {
  # checkov:skip=CKV2_AWS_23:Points at the broker's own fixed ENI (created here), not at a dangling address.
  for_each = aws_network_interface.broker

  zone_id = var.private_zone_id
  name    = "kafka-${each.key}.${var.private_zone_name}"
  type    = "A"
  ttl     = 60
  records = [each.value.private_ip]
}
