# The chat lakehouse on AWS: the Glue job that builds silver from bronze (deploy/glue/), the
# catalog table Athena reads it through, and the workgroup chat searches run in.

# The job's code, uploaded from this repository: the entry point and the pure parser modules
# it imports (deploy/glue/modules.txt; tests/deploy/test_glue_modules.py keeps that list complete).
# The job copies glue/python/ into a zip and ships it to Spark's executors (--python_modules).
locals {
  glue_modules = [
    for line in split("\n", file("${path.module}/../glue/modules.txt")) : trimspace(line)
    if trimspace(line) != "" && !startswith(trimspace(line), "#")
  ]
  glue_script = "${path.module}/../glue/whatsapp_silver_job.py"
}

resource "aws_s3_object" "glue_script" {
  bucket      = aws_s3_bucket.data.id
  key         = "glue/scripts/whatsapp_silver_job.py"
  source      = local.glue_script
  source_hash = filemd5(local.glue_script)
}

resource "aws_s3_object" "glue_modules" {
  for_each    = toset(local.glue_modules)
  bucket      = aws_s3_bucket.data.id
  key         = "glue/python/${each.key}"
  source      = "${path.module}/../../${each.key}"
  source_hash = filemd5("${path.module}/../../${each.key}")
}

resource "aws_glue_security_configuration" "jobs" {
  #checkov:skip=CKV_AWS_99:S3 output is encrypted (SSE-S3); the job's CloudWatch lines hold counts, not messages, and it uses no bookmarks
  name = "${var.name}-jobs"
  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = "SSE-S3"
    }
    cloudwatch_encryption {
      cloudwatch_encryption_mode = "DISABLED"
    }
    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "DISABLED"
    }
  }
}

resource "aws_glue_job" "whatsapp_silver" {
  name                   = "${var.name}-whatsapp-silver"
  description            = "Bronze WhatsApp exports -> silver Parquet (deploy/glue/whatsapp_silver_job.py)"
  role_arn               = aws_iam_role.glue.arn
  glue_version           = "5.0" # Spark 3.5, Python 3.11
  worker_type            = "G.1X"
  number_of_workers      = var.glue_workers
  timeout                = var.glue_timeout_minutes
  security_configuration = aws_glue_security_configuration.jobs.name

  command {
    name            = "glueetl"
    script_location = "s3://${aws_s3_bucket.data.bucket}/${aws_s3_object.glue_script.key}"
    python_version  = "3"
  }

  # The app starts at most one run per owner at a time (chats.lake.glue); this caps the owners
  # whose runs go at once. A start refused for concurrency is retried later by the worker.
  execution_property {
    max_concurrent_runs = var.glue_max_concurrent_runs
  }

  # Each run adds --manifest s3://<bucket>/glue/manifests/<run>.jsonl (the worker writes it).
  default_arguments = {
    "--python_modules"                   = "s3://${aws_s3_bucket.data.bucket}/glue/python/"
    "--bronze_root"                      = "s3://${aws_s3_bucket.data.bucket}"
    "--silver_root"                      = "s3://${aws_s3_bucket.data.bucket}/silver/whatsapp"
    "--TempDir"                          = "s3://${aws_s3_bucket.data.bucket}/glue/tmp/"
    "--job-language"                     = "python"
    "--enable-continuous-cloudwatch-log" = "true"
    "--enable-metrics"                   = "true"
  }

  depends_on = [aws_s3_object.glue_modules]
}

resource "aws_athena_workgroup" "chats" {
  name          = "${var.name}-chats"
  force_destroy = true # only saved queries and history; results live in the bucket
  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.athena_bytes_scanned_cutoff
    result_configuration {
      output_location = "s3://${aws_s3_bucket.data.bucket}/athena-results/"
      encryption_configuration {
        encryption_option = "SSE_S3"
      }
    }
  }
}

resource "aws_glue_catalog_database" "lake" {
  name = local.catalog_name
}

# Partition projection: Athena computes the date partitions instead of reading them from the
# catalog, so nothing has to register a new date.
resource "aws_glue_catalog_table" "whatsapp_silver" {
  name          = "whatsapp_silver"
  database_name = aws_glue_catalog_database.lake.name
  table_type    = "EXTERNAL_TABLE"
  parameters = {
    "classification"            = "parquet"
    "projection.enabled"        = "true"
    "projection.date.type"      = "date"
    "projection.date.format"    = "yyyy-MM-dd"
    "projection.date.range"     = "2009-01-01,NOW"
    "storage.location.template" = "s3://${aws_s3_bucket.data.bucket}/silver/whatsapp/date=$${date}/"
  }
  partition_keys {
    name = "date"
    type = "string"
  }
  storage_descriptor {
    location      = "s3://${aws_s3_bucket.data.bucket}/silver/whatsapp/"
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    ser_de_info {
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    }
    columns {
      name = "message_id"
      type = "string"
    }
    columns {
      name = "owner"
      type = "string"
    }
    columns {
      name = "chat"
      type = "string"
    }
    columns {
      name = "ts"
      type = "timestamp"
    }
    columns {
      name = "time"
      type = "string"
    }
    columns {
      name = "sender"
      type = "string"
    }
    columns {
      name = "message"
      type = "string"
    }
    columns {
      name = "word_count"
      type = "int"
    }
    columns {
      name = "is_system"
      type = "boolean"
    }
    columns {
      name = "has_media"
      type = "boolean"
    }
    columns {
      name = "source_file"
      type = "string"
    }
  }
}
