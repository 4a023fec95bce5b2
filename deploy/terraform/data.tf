# PostgreSQL (the ledger and every model), Redis (the Celery broker) and the app's secrets.

resource "aws_db_subnet_group" "main" {
  name       = var.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_db_parameter_group" "postgres" {
  name   = "${var.name}-postgres${var.postgres_version}"
  family = "postgres${var.postgres_version}"
  # Connections without TLS are refused (the app connects with sslmode=require).
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name  = "log_min_duration_statement"
    value = "1000"
  }
}

resource "aws_db_instance" "main" {
  #checkov:skip=CKV_AWS_161:the app signs in with the RDS-managed password from Secrets Manager; IAM tokens would need a refresh loop in Django
  #checkov:skip=CKV_AWS_118:enhanced monitoring costs more than this personal deployment; CloudWatch's basic metrics and the postgresql log are on
  #checkov:skip=CKV_AWS_353:Performance Insights is not offered on the default db.t4g.micro
  #checkov:skip=CKV_AWS_354:Performance Insights is off (above)
  #checkov:skip=CKV_AWS_157:multi-AZ is a variable (db_multi_az), off by default for cost; backups and the final snapshot keep the data
  identifier                      = var.name
  engine                          = "postgres"
  engine_version                  = var.postgres_version
  instance_class                  = var.db_instance_class
  allocated_storage               = var.db_allocated_storage
  max_allocated_storage           = var.db_allocated_storage * 5
  storage_type                    = "gp3"
  storage_encrypted               = true
  db_name                         = "platform"
  username                        = "platform"
  manage_master_user_password     = true
  db_subnet_group_name            = aws_db_subnet_group.main.name
  parameter_group_name            = aws_db_parameter_group.postgres.name
  vpc_security_group_ids          = [aws_security_group.data.id]
  publicly_accessible             = false
  multi_az                        = var.db_multi_az
  backup_retention_period         = 7
  copy_tags_to_snapshot           = true
  auto_minor_version_upgrade      = true
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = false
  final_snapshot_identifier       = "${var.name}-final"
  enabled_cloudwatch_logs_exports = ["postgresql"]
}

resource "aws_elasticache_subnet_group" "main" {
  name       = var.name
  subnet_ids = aws_subnet.private[*].id
}

resource "aws_elasticache_replication_group" "broker" {
  #checkov:skip=CKV2_AWS_50:one broker node for cost; if it is replaced, queued task ids are lost and the periodic sweep re-enqueues their rows (DESIGN.md, Tasks)
  #checkov:skip=CKV_AWS_191:at-rest encryption with the service key; a customer key adds cost, not protection, for a task queue of ids
  count                      = var.emulated ? 0 : 1
  replication_group_id       = "${var.name}-broker"
  description                = "Celery broker of ${var.name}"
  engine                     = "redis"
  engine_version             = "7.1"
  node_type                  = var.redis_node_type
  num_cache_clusters         = 1
  port                       = 6379
  parameter_group_name       = "default.redis7"
  subnet_group_name          = aws_elasticache_subnet_group.main.name
  security_group_ids         = [aws_security_group.data.id]
  at_rest_encryption_enabled = true
  transit_encryption_enabled = true
  auth_token                 = aws_secretsmanager_secret_version.redis_auth.secret_string
  automatic_failover_enabled = false
  snapshot_retention_limit   = 1
}

# Secrets: generated once by Secrets Manager (the random_password data source is read on every
# plan; ignore_changes keeps the first value), injected into the tasks as ECS secrets.
data "aws_secretsmanager_random_password" "secret_key" {
  password_length     = 64
  exclude_punctuation = true
}

data "aws_secretsmanager_random_password" "redis_auth" {
  password_length     = 64
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV_AWS_149:encrypted with the account's aws/secretsmanager key; a customer key adds cost, not protection, here
  #checkov:skip=CKV2_AWS_57:rotating SECRET_KEY signs every user out and the Redis token needs a coordinated broker restart; rotate by hand (deploy/README.md)
  for_each                = toset(["secret-key", "redis-auth", "oidc-client-secret"])
  name                    = "${var.name}/${each.key}"
  recovery_window_in_days = 7
}

resource "aws_secretsmanager_secret_version" "secret_key" {
  secret_id     = aws_secretsmanager_secret.app["secret-key"].id
  secret_string = data.aws_secretsmanager_random_password.secret_key.random_password
  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret_version" "redis_auth" {
  secret_id     = aws_secretsmanager_secret.app["redis-auth"].id
  secret_string = data.aws_secretsmanager_random_password.redis_auth.random_password
  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_secretsmanager_secret_version" "oidc_client_secret" {
  secret_id     = aws_secretsmanager_secret.app["oidc-client-secret"].id
  secret_string = aws_cognito_user_pool_client.web.client_secret
}
