variable "name" {
  description = "Prefix of every resource name (lowercase letters, digits and dashes)"
  type        = string
  default     = "personal-data"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name))
    error_message = "name: 2-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  description = "AWS region of everything (the app reads it as AWS_REGION)"
  type        = string
  default     = "us-east-1"
}

variable "domain" {
  description = "Host name the app is served at, e.g. data.example.org (certificate, CORS, Cognito URLs)"
  type        = string
}

variable "route53_zone_id" {
  description = "Route 53 hosted zone of var.domain: when set, the certificate's validation records and the domain's alias to the load balancer are created; when empty, add them yourself (outputs certificate_validation and load_balancer_dns)"
  type        = string
  default     = ""
}

variable "callback_urls" {
  description = "OIDC redirect URIs of the app; empty = https://<domain>/oidc/callback/"
  type        = list(string)
  default     = []
}

variable "logout_urls" {
  description = "Where Cognito may send the browser after sign-out; empty = https://<domain>/"
  type        = list(string)
  default     = []
}

variable "image_tag" {
  description = "Tag of the app image in the ECR repository that the services run"
  type        = string
  default     = "latest"
}

variable "vpc_cidr" {
  description = "Address range of the VPC (two public and two private /24 subnets are cut from it)"
  type        = string
  default     = "10.40.0.0/16"
}

variable "interface_endpoint_az_count" {
  description = "In how many AZs the interface VPC endpoints get a network interface: 1 halves their cost, 2 survives the loss of one AZ"
  type        = number
  default     = 1
  validation {
    condition     = var.interface_endpoint_az_count >= 1 && var.interface_endpoint_az_count <= 2
    error_message = "interface_endpoint_az_count: 1 or 2."
  }
}

variable "ingress_cidrs" {
  description = "Who may reach the load balancer"
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "web" {
  description = "Web service size: tasks, vCPU units, MiB, gunicorn workers"
  type        = object({ count = number, cpu = number, memory = number, workers = number })
  default     = { count = 1, cpu = 512, memory = 1024, workers = 2 }
}

variable "worker" {
  description = "Celery worker service size: tasks, vCPU units, MiB, concurrency"
  type        = object({ count = number, cpu = number, memory = number, concurrency = number })
  default     = { count = 1, cpu = 512, memory = 2048, concurrency = 2 }
}

variable "events" {
  description = "Event consumer service size: tasks, vCPU units, MiB"
  type        = object({ count = number, cpu = number, memory = number })
  default     = { count = 1, cpu = 256, memory = 512 }
}

variable "db_instance_class" {
  description = "RDS instance class"
  type        = string
  default     = "db.t4g.micro"
}

variable "db_allocated_storage" {
  description = "RDS storage, GiB (grows automatically up to 5x)"
  type        = number
  default     = 20
}

variable "db_multi_az" {
  description = "A standby database in the second AZ (doubles the database cost)"
  type        = bool
  default     = false
}

variable "postgres_version" {
  description = "PostgreSQL major version"
  type        = string
  default     = "16"
}

variable "redis_node_type" {
  description = "ElastiCache node type of the Celery broker"
  type        = string
  default     = "cache.t4g.micro"
}

variable "deletion_protection" {
  description = "Refuse to delete the database, the load balancer and the user pool (turn off only to tear down)"
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "How long CloudWatch keeps the services' logs"
  type        = number
  default     = 90
}

variable "noncurrent_version_days" {
  description = "How long the bucket keeps an overwritten or deleted object's old version"
  type        = number
  default     = 30
}

variable "athena_bytes_scanned_cutoff" {
  description = "A chat search is cancelled after scanning this many bytes (cost cap per query)"
  type        = number
  default     = 10737418240
}

variable "glue_workers" {
  description = "G.1X workers of one silver job run"
  type        = number
  default     = 2
}

variable "glue_max_concurrent_runs" {
  description = "Silver job runs at once (the worker starts one per owner at a time, so this many owners' runs go together)"
  type        = number
  default     = 10
  validation {
    condition     = var.glue_max_concurrent_runs >= 1
    error_message = "glue_max_concurrent_runs: at least 1."
  }
}

variable "glue_timeout_minutes" {
  description = "A silver job run is stopped (TIMEOUT) after this many minutes; the exports it held are marked failed with the reason"
  type        = number
  default     = 60
  validation {
    condition     = var.glue_timeout_minutes >= 1 && var.glue_timeout_minutes <= 2880
    error_message = "glue_timeout_minutes: 1 to 2880."
  }
}

variable "mfa" {
  description = "Cognito multi-factor sign-in: OPTIONAL (each user chooses) or ON"
  type        = string
  default     = "OPTIONAL"
  validation {
    condition     = contains(["OPTIONAL", "ON"], var.mfa)
    error_message = "mfa: OPTIONAL or ON."
  }
}

variable "staff_group" {
  description = "Cognito group whose members are staff (Django admin) in the app"
  type        = string
  default     = "admins"
}

variable "alarm_email" {
  description = "Address told when events land in the dead-letter queue (empty = no subscription)"
  type        = string
  default     = ""
}

variable "tags" {
  description = "Extra tags on every resource"
  type        = map(string)
  default     = {}
}

variable "emulated" {
  description = "Only for the offline test against moto's server (tests/deploy): leaves out the three resources moto cannot emulate faithfully (the bucket's TLS-only policy, which moto applies without its condition; the Redis replication group, whose member cluster moto cannot describe; the DLQ's redrive-allow policy, which moto never reports back). Never set it for AWS."
  type        = bool
  default     = false
}
