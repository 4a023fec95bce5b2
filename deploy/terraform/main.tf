# AWS mode: the bucket, its event notifications to SQS (with a dead-letter queue), Cognito for
# sign-in, Athena and Glue for the chat lakehouse. The notification prefixes are the routing
# table of ingestion/routing.py (tests/unit/test_routing.py keeps them in step).
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

provider "aws" {
  region = var.region
}

resource "aws_s3_bucket" "data" {
  bucket_prefix = "${var.name}-"
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_sqs_queue" "events_dlq" {
  name                      = "${var.name}-events-dlq"
  message_retention_seconds = 1209600
}

resource "aws_sqs_queue" "events" {
  name                       = "${var.name}-events"
  visibility_timeout_seconds = 120
  receive_wait_time_seconds  = 20
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.events_dlq.arn
    maxReceiveCount     = 5
  })
}

data "aws_iam_policy_document" "events" {
  statement {
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.events.arn]
    principals {
      type        = "Service"
      identifiers = ["s3.amazonaws.com"]
    }
    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = [aws_s3_bucket.data.arn]
    }
  }
}

resource "aws_sqs_queue_policy" "events" {
  queue_url = aws_sqs_queue.events.id
  policy    = data.aws_iam_policy_document.events.json
}

resource "aws_s3_bucket_notification" "raw" {
  bucket = aws_s3_bucket.data.id

  queue {
    queue_arn     = aws_sqs_queue.events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "raw-photos/"
  }
  queue {
    queue_arn     = aws_sqs_queue.events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "raw-whatsapp-uploads/"
  }
  queue {
    queue_arn     = aws_sqs_queue.events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "raw-csv/"
  }
  queue {
    queue_arn     = aws_sqs_queue.events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "uploads-landing/"
  }
  queue {
    queue_arn     = aws_sqs_queue.events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "misc/"
  }
  queue {
    queue_arn     = aws_sqs_queue.events.arn
    events        = ["s3:ObjectCreated:*"]
    filter_prefix = "raw-archive/"
  }

  depends_on = [aws_sqs_queue_policy.events]
}

resource "aws_cognito_user_pool" "users" {
  name = "${var.name}-users"
}

resource "aws_cognito_user_pool_domain" "users" {
  domain       = "${var.name}-${random_id.domain.hex}"
  user_pool_id = aws_cognito_user_pool.users.id
}

resource "random_id" "domain" {
  byte_length = 4
}

resource "aws_cognito_user_pool_client" "web" {
  name                                 = "${var.name}-web"
  user_pool_id                         = aws_cognito_user_pool.users.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = var.callback_urls
  logout_urls                          = var.logout_urls
}

resource "aws_athena_workgroup" "chats" {
  name = "${var.name}-chats"
  configuration {
    result_configuration {
      output_location = "s3://${aws_s3_bucket.data.bucket}/athena-results/"
    }
  }
}

resource "aws_glue_catalog_database" "lake" {
  name = replace("${var.name}_lake", "-", "_")
}

resource "aws_glue_catalog_table" "whatsapp_silver" {
  name          = "whatsapp_silver"
  database_name = aws_glue_catalog_database.lake.name
  table_type    = "EXTERNAL_TABLE"
  parameters = {
    "classification"              = "parquet"
    "projection.enabled"          = "true"
    "projection.date.type"        = "date"
    "projection.date.format"      = "yyyy-MM-dd"
    "projection.date.range"       = "2009-01-01,NOW"
    "storage.location.template"   = "s3://${aws_s3_bucket.data.bucket}/silver/whatsapp/date=$${date}/"
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
