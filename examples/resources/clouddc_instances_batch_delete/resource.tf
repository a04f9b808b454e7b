# Adopt existing instances (here: every running instance on two servers) so
# that `terraform destroy` deletes them with one batch-delete call and waits
# until each is terminated. Creating the resource changes nothing in the cloud.
data "clouddc_instances" "old" {
  server_ids = [
    "01939592-e8fe-7d9b-9332-4589486377a4",
    "01939592-e8fe-7d9b-9332-4589486377a5",
  ]
  state = "running"
}

resource "clouddc_instances_batch_delete" "old" {
  # 1 to 50 lower-case instance IDs. Removing an ID later releases that
  # instance (it keeps running); adding one adopts it.
  instance_ids = data.clouddc_instances.old.instance_ids

  timeouts {
    delete = "45m"
  }
}

output "adopted_states" {
  value = clouddc_instances_batch_delete.old.states
}
