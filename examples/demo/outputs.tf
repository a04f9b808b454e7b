output "fleet_size" {
  description = "How many instances the fleet has."
  value       = length(clouddc_instances.fleet.ids)
}

output "fleet_states" {
  description = "How many instances of the fleet are in each state."
  value = {
    for state in distinct(clouddc_instances.fleet.instances[*].state) :
    state => length([for i in clouddc_instances.fleet.instances : i if i.state == state])
  }
}

output "chunk_sizes" {
  description = "How many IDs each batch-delete resource adopted (at most 50 each)."
  value       = [for c in clouddc_instances_batch_delete.chunk : length(c.instance_ids)]
}

output "first_instances" {
  description = "The first three instances of the fleet."
  value       = slice(clouddc_instances.fleet.instances, 0, min(3, length(clouddc_instances.fleet.instances)))
}
