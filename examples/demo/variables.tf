variable "fleet_size" {
  description = "How many instances the demo fleet has; more than 50 gives more than one batch-delete chunk."
  type        = number
  default     = 120

  validation {
    condition     = var.fleet_size >= 1 && var.fleet_size == floor(var.fleet_size)
    error_message = "fleet_size must be a whole number of at least 1."
  }
}

# The emulator accepts any non-empty image, VPC and subnet ID (CloudDC has no image or VPC API of its own).
variable "image_id" {
  description = "ID of the IMS image to install."
  type        = string
  default     = "0193a0b2-5c7d-7e8f-9a0b-1c2d3e4f5a6b"
}

variable "vpc_id" {
  description = "ID of the VPC of the instances."
  type        = string
  default     = "0193a0b2-6d7e-7f80-8a1b-2c3d4e5f6a7b"
}

variable "subnet_id" {
  description = "ID of the subnet of the primary NIC."
  type        = string
  default     = "0193a0b2-7e8f-7091-9b2c-3d4e5f6a7b8c"
}

variable "root_password" {
  description = "Password of root on every instance (8 to 26 characters, at least 3 character classes)."
  type        = string
  sensitive   = true
  default     = "Demo-Passw0rd!"
}
