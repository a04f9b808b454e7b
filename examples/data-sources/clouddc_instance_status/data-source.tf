data "clouddc_instance_status" "web" {
  id = "0198170e-4ca7-7ee4-89a7-fa631843920b"
}

output "web_state" {
  value = data.clouddc_instance_status.web.state
}

# Why the last operation failed, if it did (null otherwise).
output "web_error" {
  value = data.clouddc_instance_status.web.error
}
