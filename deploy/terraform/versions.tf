# The AWS deployment: one image run as three ECS Fargate services (web, worker, events) and a
# one-off migrate task, with RDS PostgreSQL, ElastiCache Redis, the bucket and its S3 → SQS
# notifications, Cognito sign-in, the Glue job that builds silver and the Athena workgroup that
# searches it. deploy/README.md walks through it from a blank account.
terraform {
  required_version = ">= 1.10.0, < 2.0.0"

  required_providers {
    # The only provider: `terraform init` needs just this one in a registry or a local mirror.
    aws = {
      source  = "hashicorp/aws"
      version = "5.100.0"
    }
  }

  # Remote state in S3 with S3-native locking (use_lockfile, Terraform >= 1.10). Partial
  # configuration, so one copy of the code serves any account:
  #   terraform init -backend-config=backend.hcl   (deploy/README.md, "State backend")
  backend "s3" {}
}

provider "aws" {
  region = var.region

  # Every resource is tagged (cost reports; moto also refuses untagged Athena workgroups).
  default_tags {
    tags = merge({ Project = var.name, ManagedBy = "terraform" }, var.tags)
  }
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_availability_zones" "available" {
  #checkov:skip=CKV_AWS_394:the first two available AZs of the region; subnets keep the AZ they were created in (a new AZ list only matters on a fresh VPC)
  state = "available"
}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  azs        = slice(data.aws_availability_zones.available.names, 0, 2)
  origin     = "https://${var.domain}"
  # Underscores only: Glue and Athena names.
  catalog_name = replace("${var.name}_lake", "-", "_")
}
