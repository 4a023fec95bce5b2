# One role per process, each allowed only what that process does (tests/deploy/test_iam.py
# evaluates these policies, conditions included, against the app's key layout). Which process
# calls what, by module:
#   web    ingestion.uploads / multipart (PUT, presigned parts), views and presenters (signed
#          GETs, zip downloads, Deep Archive restores), platform_site.health (healthz/ probe),
#          chats.search (Athena reads silver and writes its results), admin renames (list silver)
#   worker the tasks of ingestion.routing (read raw, write derived), ingestion.jobs (storage
#          class: a copy onto itself), chats.unpacking (zip members land under raw prefixes),
#          chats.lake.glue (manifests, job runs), deletion (ingestion.delete_object), and the
#          by-hand commands run in a worker task (backfill_objects lists the raw prefixes)
#   glue   deploy/glue/whatsapp_silver_job.py through pyarrow.fs (S3FileSystem), which lists
#          rather than HEADs keys that may be missing (those answer 403 without a bucket-wide
#          s3:ListBucket)
locals {
  bucket_arn = aws_s3_bucket.data.arn
  # Where uploads land: the routing table of ingestion/routing.py (notifications in events.tf).
  # Processed ones are moved to their owner's storage class after processing; kept ones
  # (ingestion.routing.KEPT_AS_IS) land in it and are never rewritten.
  processed_raw_prefixes = ["raw-photos/", "raw-whatsapp-uploads/", "raw-csv/", "uploads-landing/"]
  kept_raw_prefixes      = ["misc/", "raw-archive/"]
  raw_prefixes           = concat(local.processed_raw_prefixes, local.kept_raw_prefixes)
  # What the worker makes from them (the key layout of DESIGN.md); silver is the Glue job's.
  derived_prefixes = ["photos/", "bronze/whatsapp/", "processed/csv/"]
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

# Web: uploads under the raw prefixes (streamed, or presigned multipart: CreateMultipartUpload,
# UploadPart and CompleteMultipartUpload are s3:PutObject), reads and signs what it shows, asks
# for Deep Archive restores, probes the bucket for readiness, runs chat searches in its Athena
# workgroup. It deletes nothing the user owns: deletion is the worker's (ingestion.delete_object).
data "aws_iam_policy_document" "web" {
  statement {
    sid       = "Upload"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = local.raw_objects
  }
  statement {
    sid     = "ReadAndSign"
    actions = ["s3:GetObject"]
    resources = concat(local.raw_objects, [
      "${local.bucket_arn}/photos/*",
      "${local.bucket_arn}/processed/csv/*",
    ])
  }
  statement {
    sid       = "Restore"
    actions   = ["s3:RestoreObject"]
    resources = local.raw_objects
  }
  statement {
    sid       = "ReadinessProbe"
    actions   = ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/healthz/*"]
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
  # Athena reads silver and writes results with the caller's permissions.
  statement {
    sid       = "AthenaReadsSilver"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/silver/whatsapp/*"]
  }
  statement {
    sid       = "AthenaResults"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
    resources = ["${local.bucket_arn}/athena-results/*"]
  }
  statement {
    sid       = "AthenaBucket"
    actions   = ["s3:GetBucketLocation"]
    resources = [local.bucket_arn]
  }
  # Athena and an admin rename list silver; storage.exists() lists under the key it asks
  # about (a completed upload's, a dataset's summary), which a HEAD of a missing key cannot
  # answer without a bucket-wide ListBucket (ingestion/backends/s3.py).
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = concat(["silver/whatsapp/*", "athena-results/*", "processed/csv/*"], [for p in local.raw_prefixes : "${p}*"])
    }
  }
}

# Worker: reads the raw objects; writes what it derives (thumbnails, previews, originals,
# bronze, CSV summaries) and the zip members it unpacks (raw-photos/, raw-whatsapp-uploads/);
# moves a processed upload into its storage class (CopyObject onto itself: GetObject and
# PutObject on the raw key); deletes what a user deleted (ingestion.delete_object) and its
# Glue manifests; starts and follows runs of the one silver job. It writes no silver.
data "aws_iam_policy_document" "worker" {
  statement {
    sid     = "Read"
    actions = ["s3:GetObject"]
    resources = concat(local.raw_objects, [
      "${local.bucket_arn}/photos/originals/*",
      "${local.bucket_arn}/bronze/whatsapp/*",
    ])
  }
  statement {
    sid       = "WriteDerived"
    actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
    resources = concat(local.derived_objects, [for p in local.processed_raw_prefixes : "${local.bucket_arn}/${p}*"])
  }
  statement {
    sid       = "Delete"
    actions   = ["s3:DeleteObject"]
    resources = concat(local.raw_objects, local.derived_objects)
  }
  statement {
    sid       = "GlueManifests"
    actions   = ["s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/glue/manifests/*"]
  }
  # Silver: the owner's dates before a rebuild; raw prefixes: storage.exists() before
  # processing (a listing under the key) and backfill_objects.
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = concat(["silver/whatsapp/*"], [for p in local.raw_prefixes : "${p}*"])
    }
  }
  statement {
    sid       = "SilverJob"
    actions   = ["glue:StartJobRun", "glue:GetJobRun"]
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
      "${local.bucket_arn}/bronze/whatsapp/*",
      "${local.bucket_arn}/glue/manifests/*",
      "${local.bucket_arn}/glue/scripts/*",
      "${local.bucket_arn}/glue/python/*",
    ]
  }
  # Deleting a date's last file, pyarrow's S3FileSystem leaves an empty "date=…/" marker.
  statement {
    sid       = "WriteSilver"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
    resources = ["${local.bucket_arn}/silver/whatsapp/*"]
  }
  statement {
    sid       = "TempDir"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${local.bucket_arn}/glue/tmp/*"]
  }
  # The job finds a file by listing its directory (find_file) and copies its modules by
  # listing glue/python/; it never HEADs a key that may be missing, nor the bucket, which need
  # s3:ListBucket on the whole bucket (deploy/glue/whatsapp_silver_job.py says why).
  statement {
    sid       = "List"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["bronze/whatsapp/*", "silver/whatsapp/*", "glue/python/*"]
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
