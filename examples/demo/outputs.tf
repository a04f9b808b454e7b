output "fleet_size" {
  description = "How many instances the fleet has."
  value       = length(clouddc_instances.fleet.instances)
}

output "fleet_states" {
  description = "How many instances of the fleet are in each state."
  value = {
    for state in distinct(values(clouddc_instances.fleet.instances)) :
    state => length([for id, s in clouddc_instances.fleet.instances : id if s == state])
  }
}

output "chunk_sizes" {
  description = "How many IDs each batch-delete resource adopted (at most 50 each)."
  value       = [for c in clouddc_instances_batch_delete.chunk : length(c.instance_ids)]
}

output "first_instances" {
  description = "The first three instances of the fleet (by ID) and their state."
  value       = { for id in slice(keys(clouddc_instances.fleet.instances), 0, min(3, length(clouddc_instances.fleet.instances))) : id => clouddc_instances.fleet.instances[id] }
}
