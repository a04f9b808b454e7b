# Token authentication against a region's public endpoint. Every setting can
# also come from the environment (CLOUDDC_* or HW_* variables), which keeps
# credentials out of the configuration.
provider "clouddc" {
  region     = "cn-southwest-2"
  project_id = var.project_id
  auth_token = var.auth_token
}

# AK/SK authentication (signed with SDK-HMAC-SHA256), against a local
# clouddc-emulator, with a client-side rate limit.
provider "clouddc" {
  alias               = "emulator"
  endpoint            = "http://127.0.0.1:8787"
  project_id          = "0123456789abcdef0123456789abcdef"
  access_key          = var.access_key
  secret_key          = var.secret_key
  requests_per_second = 20
  max_retries         = 5
}

variable "project_id" {
  type = string
}

variable "auth_token" {
  type      = string
  sensitive = true
}

variable "access_key" {
  type = string
}

variable "secret_key" {
  type      = string
  sensitive = true
}
