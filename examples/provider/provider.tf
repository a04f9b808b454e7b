terraform {
  required_providers {
    clouddc = {
      source  = "clouddc-community/clouddc"
      version = "~> 0.1"
    }
  }
}

# Credentials are best taken from the environment: CLOUDDC_AUTH_TOKEN, or
# CLOUDDC_ACCESS_KEY and CLOUDDC_SECRET_KEY (HW_* variables work too).
provider "clouddc" {
  region     = "cn-southwest-2"
  project_id = var.project_id
}

variable "project_id" {
  description = "IAM project ID of the region (32 hexadecimal characters)."
  type        = string
}
