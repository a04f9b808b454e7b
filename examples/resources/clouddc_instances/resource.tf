variable "fleet_password" {
  type      = string
  sensitive = true
}

# 120 bare-metal instances from one RunInstances call. Destroy deletes them in
# batch-delete calls of at most 50 and waits until every one is terminated.
resource "clouddc_instances" "web" {
  name     = "web"
  image_id = "0198170e-4ca7-7ee4-89a7-fa6318430001"
  vpc_id   = "0198170e-4ca7-7ee4-89a7-fa6318430002"
  network_interfaces = [
    { subnet_id = "0198170e-4ca7-7ee4-89a7-fa6318430003" },
  ]
  description = "web tier"
  metadata = {
    team = "platform"
  }

  instance_count = 120
  min_count      = 100 # start at least 100, or nothing

  # Write-only: never stored in the plan or state. Bump the version to change
  # the password of every instance in place.
  password_wo         = var.fleet_password
  password_wo_version = 1

  timeouts {
    create = "60m"
    delete = "60m"
  }
}

# The instances, keyed by ID, with their state.
output "web_ids" {
  value = keys(clouddc_instances.web.instances)
}

output "web_not_running" {
  value = [for id, state in clouddc_instances.web.instances : id if state != "running"]
}

# Host names, servers and addresses of the fleet's instances.
data "clouddc_instances" "web" {
  ids = keys(clouddc_instances.web.instances)
}
