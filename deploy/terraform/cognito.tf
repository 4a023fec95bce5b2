# Sign-in. Users are created by an administrator only (deploy/README.md, "The first admin");
# members of var.staff_group are staff in the app (the ID token's cognito:groups claim).
locals {
  callback_urls = length(var.callback_urls) > 0 ? var.callback_urls : ["${local.origin}/oidc/callback/"]
  logout_urls   = length(var.logout_urls) > 0 ? var.logout_urls : ["${local.origin}/"]
  cognito_host  = "${aws_cognito_user_pool_domain.users.domain}.auth.${var.region}.amazoncognito.com"
  oidc_issuer   = "https://cognito-idp.${var.region}.amazonaws.com/${aws_cognito_user_pool.users.id}"
}

resource "aws_cognito_user_pool" "users" {
  name                     = "${var.name}-users"
  deletion_protection      = var.deletion_protection ? "ACTIVE" : "INACTIVE"
  mfa_configuration        = var.mfa
  username_attributes      = ["email"]
  auto_verified_attributes = ["email"]

  admin_create_user_config {
    allow_admin_create_user_only = true
  }

  software_token_mfa_configuration {
    enabled = true
  }

  password_policy {
    minimum_length                   = 12
    require_lowercase                = true
    require_uppercase                = true
    require_numbers                  = true
    require_symbols                  = false
    temporary_password_validity_days = 3
  }

  account_recovery_setting {
    recovery_mechanism {
      name     = "verified_email"
      priority = 1
    }
  }
}

resource "aws_cognito_user_pool_domain" "users" {
  # Globally unique: the account id makes it so.
  domain       = "${var.name}-${local.account_id}"
  user_pool_id = aws_cognito_user_pool.users.id
}

resource "aws_cognito_user_pool_client" "web" {
  name                                 = "${var.name}-web"
  user_pool_id                         = aws_cognito_user_pool.users.id
  generate_secret                      = true
  allowed_oauth_flows_user_pool_client = true
  allowed_oauth_flows                  = ["code"]
  allowed_oauth_scopes                 = ["openid", "email", "profile"]
  supported_identity_providers         = ["COGNITO"]
  callback_urls                        = local.callback_urls
  logout_urls                          = local.logout_urls
  explicit_auth_flows                  = ["ALLOW_REFRESH_TOKEN_AUTH"]
  prevent_user_existence_errors        = "ENABLED"
  enable_token_revocation              = true
}

resource "aws_cognito_user_group" "staff" {
  name         = var.staff_group
  user_pool_id = aws_cognito_user_pool.users.id
  description  = "Staff of ${var.name}: the Django admin"
}
