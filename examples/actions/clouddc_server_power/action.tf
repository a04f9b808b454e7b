# Power physical servers off (or on, or reboot them) and wait until each has
# settled in the resulting power state. Run it on demand:
#   terraform apply -invoke=action.clouddc_server_power.maintenance_off
action "clouddc_server_power" "maintenance_off" {
  config {
    server_ids = [
      "01939592-e8fe-7d9b-9332-4589486377a4",
      "01939592-e8fe-7d9b-9332-4589486377a5",
    ]
    action  = "power off" # or "power on", "rebooting"; "on", "off" and "reboot" work too
    timeout = "20m"
  }
}

# Reboot servers whenever their maintenance window changes.
variable "maintenance_window" {
  type    = string
  default = "2026-11-29T02:00Z"
}

action "clouddc_server_power" "reboot" {
  config {
    server_ids = ["01939592-e8fe-7d9b-9332-4589486377a4"]
    action     = "reboot"
  }
}

resource "terraform_data" "maintenance_window" {
  input = var.maintenance_window

  lifecycle {
    action_trigger {
      events  = [after_create, after_update]
      actions = [action.clouddc_server_power.reboot]
    }
  }
}
