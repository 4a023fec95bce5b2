# The one bucket: raw uploads, derived objects (photos/, bronze/, silver/, processed/), the Glue
# job's code and manifests (glue/) and Athena's results (athena-results/).
resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_18:server access logs would go to a second bucket nobody reads; CloudTrail data events can be enabled instead
  #checkov:skip=CKV_AWS_144:one region holds the data; versioning and the final snapshot guard against mistakes, not region loss
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256): the tasks, Glue and Athena read it without KMS grants or a KMS endpoint
  #checkov:skip=CKV2_AWS_62:notifications are configured (aws_s3_bucket_notification.raw in events.tf)
  bucket_prefix = "${var.name}-"
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

data "aws_iam_policy_document" "bucket" {
  statement {
    sid       = "TLSOnly"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.data.arn, "${aws_s3_bucket.data.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  count      = var.emulated ? 0 : 1
  bucket     = aws_s3_bucket.data.id
  policy     = data.aws_iam_policy_document.bucket.json
  depends_on = [aws_s3_bucket_public_access_block.data]
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    id     = "whole-bucket"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  rule {
    id     = "athena-results"
    status = "Enabled"
    filter {
      prefix = "athena-results/"
    }
    expiration {
      days = 7
    }
  }

  rule {
    id     = "glue-manifests"
    status = "Enabled"
    filter {
      prefix = "glue/manifests/"
    }
    expiration {
      days = 30
    }
  }

  depends_on = [aws_s3_bucket_versioning.data]
}

# Browsers upload straight to the bucket (presigned multipart, ingestion/static/ingestion/
# transfer.js) from the app's origin only: PUT of each part, whose ETag the page must read to
# complete the upload. Nothing else crosses origins: downloads and images are signed URLs the
# browser navigates to or shows, which need no CORS.
resource "aws_s3_bucket_cors_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = [local.origin]
    allowed_headers = ["Content-Type"]
    expose_headers  = ["ETag"]
    max_age_seconds = 3600
  }
}
