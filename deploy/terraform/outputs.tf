output "environment" {
  description = "Environment variables for the Django app, the worker and consume_events"
  value = {
    STORAGE_BUCKET         = aws_s3_bucket.data.bucket
    SQS_QUEUE_URL          = aws_sqs_queue.events.url
    OIDC_ISSUER            = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.users.id}"
    OIDC_CLIENT_ID         = aws_cognito_user_pool_client.web.id
    OIDC_LOGOUT_URL        = "https://${aws_cognito_user_pool_domain.users.domain}.auth.${var.region}.amazoncognito.com/logout"
    CHATS_ENGINE           = "athena"
    ATHENA_WORK_GROUP      = aws_athena_workgroup.chats.name
    ATHENA_DATABASE        = aws_glue_catalog_database.lake.name
    ATHENA_S3_STAGING_DIR  = "s3://${aws_s3_bucket.data.bucket}/athena-results/"
  }
}

output "oidc_client_secret" {
  value     = aws_cognito_user_pool_client.web.client_secret
  sensitive = true
}
