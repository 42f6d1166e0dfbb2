# One repository for the one application image. Tagging scheme (enforced by IMMUTABLE tags):
#   git-<12-hex commit>  every build of the default branch (what the overlays deploy)
#   release-<semver>     a release: the same digest tagged again when a v* tag is pushed
# No "latest": a tag never moves, so a deployed tag always names the same bytes.
resource "aws_ecr_repository" "app" {
  name                 = var.ecr_repository_name
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.ecr.arn
  }
}

resource "aws_kms_key" "ecr" {
  # checkov:skip=CKV2_AWS_64:Default key policy (account root) is what ECR needs; no cross-account use.
  description             = "ECR ${var.ecr_repository_name} images"
  enable_key_rotation     = true
  deletion_window_in_days = 30
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Untagged layers of interrupted or superseded pushes"
        selection    = { tagStatus = "untagged", countType = "sinceImagePushed", countUnit = "days", countNumber = 7 }
        action       = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last ${var.ecr_keep_git_images} branch builds"
        selection    = { tagStatus = "tagged", tagPrefixList = ["git-"], countType = "imageCountMoreThan", countNumber = var.ecr_keep_git_images }
        action       = { type = "expire" }
      },
      {
        rulePriority = 3
        description  = "Keep the last 100 releases"
        selection    = { tagStatus = "tagged", tagPrefixList = ["release-"], countType = "imageCountMoreThan", countNumber = 100 }
        action       = { type = "expire" }
      },
    ]
  })
}

# CI (GitHub Actions through OIDC): push to this repository only, nothing else.
data "aws_iam_policy_document" "ci_assume" {
  count = var.github_oidc_provider_arn == "" ? 0 : 1

  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:${var.github_repository}:ref:refs/heads/main", "repo:${var.github_repository}:ref:refs/tags/v*", "repo:${var.github_repository}:environment:*"]
    }
  }
}

data "aws_iam_policy_document" "ci_push" {
  statement {
    sid       = "Login"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource type.
  }
  statement {
    sid = "PushAndScanThisRepository"
    actions = [
      "ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload", "ecr:DescribeImages",
      "ecr:DescribeImageScanFindings", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload", "ecr:PutImage",
      "ecr:UploadLayerPart",
    ]
    resources = [aws_ecr_repository.app.arn]
  }
  statement {
    sid       = "ImageLayersEncryption"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [aws_kms_key.ecr.arn]
  }
}

resource "aws_iam_role" "ci" {
  count = var.github_oidc_provider_arn == "" ? 0 : 1

  name               = "learning-platform-${var.environment}-ci"
  assume_role_policy = data.aws_iam_policy_document.ci_assume[0].json
}

resource "aws_iam_role_policy" "ci" {
  count = var.github_oidc_provider_arn == "" ? 0 : 1

  name   = "ecr-push"
  role   = aws_iam_role.ci[0].id
  policy = data.aws_iam_policy_document.ci_push.json
}
