# Every instance in the project.
data "clouddc_instances" "all" {}

# Only running instances.
data "clouddc_instances" "running" {
  state = "running"
}

# Particular instances (any number; queried 100 at a time).
data "clouddc_instances" "some" {
  ids = [
    "0198170e-4ca7-7ee4-89a7-fa631843920b",
    "0198170e-4ca7-7ee4-89a7-fa631843920c",
  ]
}

# The instances on particular physical servers.
data "clouddc_instances" "on_servers" {
  server_ids = ["01939592-e8fe-7d9b-9332-4589486377a4"]
}

output "running_instance_ids" {
  value = data.clouddc_instances.running.instance_ids
}
