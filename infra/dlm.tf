# Daily snapshots of every data volume (crash-consistent; see docs/deployment.md "Restoring from backup").
resource "aws_dlm_lifecycle_policy" "kafka" {
  description        = "${local.name} daily data-volume snapshots"
  execution_role_arn = aws_iam_role.dlm.arn
  state              = "ENABLED"

  policy_details {
    resource_types = ["VOLUME"]
    target_tags = {
      Snapshot = local.name
    }

    schedule {
      name      = "daily"
      copy_tags = true

      create_rule {
        interval      = 24
        interval_unit = "HOURS"
        times         = ["03:17"]
      }

      retain_rule {
        count = var.snapshot_retention_count
      }

      tags_to_add = {
        SnapshotOf = local.name
      }
    }
  }
}
