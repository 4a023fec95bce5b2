output "environment" {
  description = "Every non-secret environment value the app reads (the ECS tasks get these, plus the secrets below)"
  value       = local.app_environment
}

output "secrets" {
  description = "Secrets Manager ARNs ECS injects as SECRET_KEY, REDIS_PASSWORD, OIDC_CLIENT_SECRET and DATABASE_PASSWORD"
  value       = local.app_secrets
}

output "ecr_repository_url" {
  description = "Push the image here (deploy/README.md, 'Pushing the image')"
  value       = aws_ecr_repository.app.repository_url
}

output "cluster" {
  value = aws_ecs_cluster.main.name
}

output "migrate_task_definition" {
  description = "Run once per release: aws ecs run-task --task-definition <this> (deploy/README.md)"
  value       = aws_ecs_task_definition.app["migrate"].family
}

output "task_network" {
  description = "Subnets and security group for aws ecs run-task (the migrate task)"
  value = {
    subnets         = aws_subnet.private[*].id
    security_groups = [aws_security_group.tasks.id]
  }
}

output "load_balancer_dns" {
  description = "Point var.domain here (a CNAME or alias) when Route 53 does not host it"
  value       = aws_lb.web.dns_name
}

output "certificate_validation" {
  description = "The DNS record that proves you own var.domain (added for you with route53_zone_id)"
  value = [for option in aws_acm_certificate.web.domain_validation_options : {
    name  = option.resource_record_name
    type  = option.resource_record_type
    value = option.resource_record_value
  }]
}

output "cognito_user_pool_id" {
  value = aws_cognito_user_pool.users.id
}

output "cognito_hosted_ui" {
  value = "https://${local.cognito_host}"
}

output "glue_job_name" {
  value = aws_glue_job.whatsapp_silver.name
}

output "dead_letter_queue_url" {
  value = aws_sqs_queue.events_dlq.url
}

output "url" {
  value = local.origin
}
