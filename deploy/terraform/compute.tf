# One image (deploy/Dockerfile) in ECR, run by ECS Fargate as three services and a one-off
# migrate task; the web service behind an HTTPS load balancer.

resource "aws_ecr_repository" "app" {
  #checkov:skip=CKV_AWS_136:images hold code, no secrets; the AES256 default encrypts them without a KMS key to manage
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 20 images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
      action       = { type = "expire" }
    }]
  })
}

resource "aws_ecs_cluster" "main" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "app" {
  #checkov:skip=CKV_AWS_158:encrypted by CloudWatch's own key; the logs hold no secrets (the app never prints one)
  #checkov:skip=CKV_AWS_338:retention is a variable (log_retention_days, 90 by default) chosen for cost
  for_each          = local.processes
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

locals {
  image      = "${aws_ecr_repository.app.repository_url}:${var.image_tag}"
  redis_host = var.emulated ? "redis.invalid" : aws_elasticache_replication_group.broker[0].primary_endpoint_address

  # Everything the app reads from its environment (README "Environment variables"); the same
  # for every process, and an output (environment) for running commands by hand.
  app_environment = {
    AWS_REGION            = var.region
    LOG_FORMAT            = "json"
    DATA_DIR              = "/data"
    ALLOWED_HOSTS         = var.domain
    CSRF_TRUSTED_ORIGINS  = local.origin
    SECURE_PROXY          = "true"
    DATABASE_URL          = "postgresql://${aws_db_instance.main.username}@${aws_db_instance.main.endpoint}/${aws_db_instance.main.db_name}?sslmode=require"
    REDIS_URL             = "rediss://${local.redis_host}:6379/0?ssl_cert_reqs=required"
    STORAGE_BUCKET        = aws_s3_bucket.data.bucket
    SQS_QUEUE_URL         = aws_sqs_queue.events.url
    OIDC_ISSUER           = local.oidc_issuer
    OIDC_CLIENT_ID        = aws_cognito_user_pool_client.web.id
    OIDC_LOGOUT_URL       = "https://${local.cognito_host}/logout"
    OIDC_STAFF_GROUPS     = var.staff_group
    OIDC_GROUPS_CLAIM     = "cognito:groups"
    CHATS_ENGINE          = "athena"
    ATHENA_WORK_GROUP     = aws_athena_workgroup.chats.name
    ATHENA_DATABASE       = aws_glue_catalog_database.lake.name
    ATHENA_TABLE          = aws_glue_catalog_table.whatsapp_silver.name
    ATHENA_S3_STAGING_DIR = "s3://${aws_s3_bucket.data.bucket}/athena-results/"
    GLUE_JOB_NAME         = aws_glue_job.whatsapp_silver.name
    WEB_WORKERS           = tostring(var.web.workers)
    WORKER_CONCURRENCY    = tostring(var.worker.concurrency)
  }

  # Injected by ECS from Secrets Manager at task start (never in the task definition itself).
  app_secrets = {
    SECRET_KEY         = aws_secretsmanager_secret.app["secret-key"].arn
    REDIS_PASSWORD     = aws_secretsmanager_secret.app["redis-auth"].arn
    OIDC_CLIENT_SECRET = aws_secretsmanager_secret.app["oidc-client-secret"].arn
    DATABASE_PASSWORD  = "${aws_db_instance.main.master_user_secret[0].secret_arn}:password::"
  }

  # The processes of the image (deploy/Dockerfile documents the same commands).
  processes = {
    web = {
      command = ["gunicorn", "--config", "python:platform_site.gunicorn", "platform_site.wsgi"]
      cpu     = var.web.cpu, memory = var.web.memory, role = aws_iam_role.task["web"].arn, port = 8000
    }
    worker = {
      command = ["celery", "-A", "platform_site", "worker", "-Q", "io,cpu", "--concurrency", tostring(var.worker.concurrency), "--loglevel", "INFO"]
      cpu     = var.worker.cpu, memory = var.worker.memory, role = aws_iam_role.task["worker"].arn, port = 0
    }
    events = {
      command = ["python", "manage.py", "consume_events"]
      cpu     = var.events.cpu, memory = var.events.memory, role = aws_iam_role.task["events"].arn, port = 0
    }
    migrate = {
      command = ["python", "manage.py", "migrate", "--noinput"]
      cpu     = 256, memory = 512, role = null, port = 0
    }
  }

  services = {
    web    = { count = var.web.count, subnets = aws_subnet.public[*].id, groups = [aws_security_group.web.id], public_ip = true }
    worker = { count = var.worker.count, subnets = aws_subnet.private[*].id, groups = [aws_security_group.tasks.id], public_ip = false }
    events = { count = var.events.count, subnets = aws_subnet.private[*].id, groups = [aws_security_group.tasks.id], public_ip = false }
  }
}

resource "aws_ecs_task_definition" "app" {
  for_each                 = local.processes
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = each.value.role

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # The root file system is read-only; the app writes only to DATA_DIR and /tmp.
  volume {
    name = "data"
  }
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([{
    name                   = each.key
    image                  = local.image
    essential              = true
    command                = each.value.command
    readonlyRootFilesystem = true
    environment            = [for k, v in local.app_environment : { name = k, value = v }]
    secrets                = [for k, v in local.app_secrets : { name = k, valueFrom = v }]
    portMappings           = each.value.port == 0 ? [] : [{ containerPort = each.value.port, protocol = "tcp" }]
    mountPoints = [
      { sourceVolume = "data", containerPath = "/data", readOnly = false },
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.app[each.key].name
        awslogs-region        = var.region
        awslogs-stream-prefix = each.key
      }
    }
  }])
}

resource "aws_ecs_service" "app" {
  #checkov:skip=CKV_AWS_333:the web tasks need a public IP to reach Cognito's OAuth endpoints (no VPC endpoint); their security group admits only the load balancer
  for_each                           = local.services
  name                               = each.key
  cluster                            = aws_ecs_cluster.main.id
  task_definition                    = aws_ecs_task_definition.app[each.key].arn
  desired_count                      = each.value.count
  launch_type                        = "FARGATE"
  propagate_tags                     = "SERVICE"
  enable_execute_command             = false
  health_check_grace_period_seconds  = each.key == "web" ? 60 : null
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200

  network_configuration {
    subnets          = each.value.subnets
    security_groups  = each.value.groups
    assign_public_ip = each.value.public_ip
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = each.key == "web" ? [1] : []
    content {
      target_group_arn = aws_lb_target_group.web.arn
      container_name   = "web"
      container_port   = 8000
    }
  }

  depends_on = [aws_lb_listener.https]
}

resource "aws_lb" "web" {
  #checkov:skip=CKV_AWS_91:access logs would need a second bucket; the app logs every request as JSON with its request id
  #checkov:skip=CKV2_AWS_28:AWS WAF costs more than this personal deployment; the app throttles sign-in itself
  name                       = "${var.name}-web"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = aws_subnet.public[*].id
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection
  idle_timeout               = 300
}

resource "aws_lb_target_group" "web" {
  #checkov:skip=CKV_AWS_378:TLS ends at the load balancer; the hop to the task stays inside the VPC
  name        = "${var.name}-web"
  port        = 8000
  protocol    = "HTTP"
  target_type = "ip"
  vpc_id      = aws_vpc.main.id
  # The probe's Host header is the task's IP: /healthz answers whatever the Host.
  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 30
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
  deregistration_delay = 30
}

resource "aws_lb_listener" "http" {
  #checkov:skip=CKV_AWS_2:this listener only redirects to HTTPS
  #checkov:skip=CKV_AWS_103:this listener only redirects to HTTPS
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.web.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.web.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_acm_certificate" "web" {
  domain_name       = var.domain
  validation_method = "DNS"
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "certificate_validation" {
  for_each = var.route53_zone_id == "" ? {} : {
    for option in aws_acm_certificate.web.domain_validation_options : option.domain_name => option
  }
  zone_id         = var.route53_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

# Waits until the certificate is issued: with route53_zone_id the records above do it, without
# it you add the output certificate_validation's record to your DNS while apply waits.
resource "aws_acm_certificate_validation" "web" {
  certificate_arn         = aws_acm_certificate.web.arn
  validation_record_fqdns = var.route53_zone_id == "" ? null : [for record in aws_route53_record.certificate_validation : record.fqdn]
}

resource "aws_route53_record" "web" {
  count   = var.route53_zone_id == "" ? 0 : 1
  zone_id = var.route53_zone_id
  name    = var.domain
  type    = "A"
  alias {
    name                   = aws_lb.web.dns_name
    zone_id                = aws_lb.web.zone_id
    evaluate_target_health = true
  }
}
