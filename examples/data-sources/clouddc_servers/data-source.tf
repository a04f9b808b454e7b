# Physical servers that can take a new instance.
data "clouddc_servers" "ready" {
  manage_state = "ready"
}

output "ready_servers" {
  value = {
    for s in data.clouddc_servers.ready.servers : s.id => "${s.location.dc}/${s.location.rack}/${s.location.unit}"
  }
}
