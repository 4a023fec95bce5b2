# One role per process, each allowed only what that process does (tests/deploy/test_iam.py
# evaluates these policies against the app's key layout).
locals {
  bucket_arn = aws_s3_bucket.data.arn
  # Where uploads land: the routing table of ingestion/routing.py (notifications in events.tf).
  raw_prefixes = ["raw-photos/", "raw-whatsapp-uploads/", "raw-csv/", "uploads-landing/", "misc/", "raw-archive/"]
  # What the worker makes from them.
  derived_prefixes = ["photos/", "bronze/", "silver/", "processed/"]
  raw_objects      = [for p in local.raw_prefixes : "${local.bucket_arn}/${p}*"]
  derived_objects  = [for p in local.derived_prefixes : "${local.bucket_arn}/${p}*"]
  glue_job_arn     = "arn:${local.partition}:glue:${var.region}:${local.account_id}:job/${aws_glue_job.whatsapp_silver.name}"
  catalog_arns = [
    "arn:${local.partition}:glue:${var.region}:${local.account_id}:catalog",
    "arn:${local.partition}:glue:${var.region}:${local.account_id}:database/${aws_glue_catalog_database.lake.name}",
    "arn:${local.partition}:glue:${var.region}:${local.account_id}:table/${aws_glue_catalog_database.lake.name}/*",
  ]
}

# Who may take each role: ECS tasks or Glue, of this account only.
data "aws_iam_policy_document" "assume" {
  for_each = { ecs = "ecs-tasks.amazonaws.com", glue = "glue.amazonaws.com" }
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = [each.value]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

# ECS itself: pull the image, write the logs, read the secrets it injects.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.assume["ecs"].json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "ECRLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # the action has no resource to scope to
  }
  statement {
    sid       = "PullImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.app.arn]
  }
  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for group in aws_cloudwatch_log_group.app : "${group.arn}:*"]
  }
  statement {
    sid     = "InjectSecrets"
    actions = ["secretsmanager:GetSecretValue"]
    resources = concat(
      [for secret in aws_secretsmanager_secret.app : secret.arn],
      [aws_db_instance.main.master_user_secret[0].secret_arn],
    )
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# The app's three processes: one role each, with the policy below of the same name.
locals {
  task_policies = {
    web    = data.aws_iam_policy_document.web.json
    worker = data.aws_iam_policy_document.worker.json
    events = data.aws_iam_policy_document.events_consumer.json
  }
}

resource "aws_iam_role" "task" {
  for_each           = local.task_policies
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.assume["ecs"].json
}

resource "aws_iam_role_policy" "task" {
  for_each = local.task_policies
  name     = each.key
  role     = aws_iam_role.task[each.key].id
  policy   = each.value
}

# Web: uploads under the raw prefixes (streamed or presigned multipart), reads and signs what it
# shows, deletes what a user deletes, asks for Deep Archive restores, runs chat searches in its
# Athena workgroup.
data "aws_iam_policy_document" "web" {
  statement {
    sid = "Upload"
    actions = [
      "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:RestoreObject",
    ]
    resources = local.raw_objects
  }
  statement {
    sid       = "ReadAndSign"
    actions   = ["s3:GetObject", "s3:DeleteObject"]
    resources = concat(local.raw_objects, local.derived_objects)
  }
  statement {
    sid       = "HealthProbe"
    actions   = ["s3:ListBucket", "s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }
  statement {
    sid       = "AthenaQueries"
    actions   = ["athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults", "athena:StopQueryExecution", "athena:GetWorkGroup"]
    resources = [aws_athena_workgroup.chats.arn]
  }
  statement {
    sid       = "AthenaCatalog"
    actions   = ["glue:GetDatabase", "glue:GetTable", "glue:GetPartitions"]
    resources = local.catalog_arns
  }
  statement {
    sid       = "AthenaResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arn}/athena-results/*"]
  }
}

# Worker: reads the raw objects, writes what it derives (thumbnails, bronze, silver, summaries,
# unpacked zip members under the raw prefixes), changes storage classes (a copy onto itself),
# writes Glue manifests and starts and follows the silver job.
data "aws_iam_policy_document" "worker" {
  statement {
    sid       = "Objects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:RestoreObject"]
    resources = concat(local.raw_objects, local.derived_objects)
  }
  statement {
    sid       = "GlueManifests"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/glue/manifests/*"]
  }
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = concat([for p in concat(local.raw_prefixes, local.derived_prefixes) : "${p}*"], [""])
    }
  }
  statement {
    sid       = "SilverJob"
    actions   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
    resources = [local.glue_job_arn]
  }
}

# Event consumer: its queue, nothing else (the ledger is in PostgreSQL, tasks go to Redis).
data "aws_iam_policy_document" "events_consumer" {
  statement {
    sid       = "Queue"
    actions   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"]
    resources = [aws_sqs_queue.events.arn]
  }
}

# Glue job: reads its code, bronze and manifests; writes silver and its temporary files.
resource "aws_iam_role" "glue" {
  name               = "${var.name}-glue"
  assume_role_policy = data.aws_iam_policy_document.assume["glue"].json
}

data "aws_iam_policy_document" "glue" {
  statement {
    sid     = "ReadInputs"
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arn}/bronze/*",
      "${local.bucket_arn}/glue/manifests/*",
      "${local.bucket_arn}/glue/scripts/*",
      "${local.bucket_arn}/glue/python/*",
    ]
  }
  statement {
    sid       = "WriteSilver"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arn}/silver/*", "${local.bucket_arn}/glue/tmp/*"]
  }
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["bronze/*", "silver/*", "glue/*"]
    }
  }
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws-glue/*"]
  }
  statement {
    sid       = "Metrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # the action has no resource; the condition scopes it to Glue's namespace
    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["Glue"]
    }
  }
}

resource "aws_iam_role_policy" "glue" {
  name   = "glue"
  role   = aws_iam_role.glue.id
  policy = data.aws_iam_policy_document.glue.json
}
