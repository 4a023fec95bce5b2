variable "name" {
  description = "Prefix for every resource name"
  type        = string
  default     = "personal-data"
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "callback_urls" {
  description = "OIDC redirect URIs of the Django app (…/oidc/callback/)"
  type        = list(string)
}

variable "logout_urls" {
  description = "Where Cognito may send the browser after sign-out"
  type        = list(string)
}
