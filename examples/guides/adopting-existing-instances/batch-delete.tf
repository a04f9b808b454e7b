# The instance IDs a terraform query found, frozen in discovered.auto.tfvars.json
# (see the guide "Adopting existing instances" for the command).
variable "discovered_ids" {
  description = "IDs of the instances to adopt and delete together."
  type        = list(string)
}

# One clouddc_instances_batch_delete per 50 IDs (a batch-delete call takes at
# most 50). Apply adopts them (nothing changes in CloudDC); destroy deletes
# them and waits until every one is terminated.
resource "clouddc_instances_batch_delete" "discovered" {
  for_each = {
    for i, ids in chunklist(sort(var.discovered_ids), 50) : format("%03d", i) => ids
  }
  instance_ids = each.value
}
