# Physical servers that can take a new instance: ready and not frozen.
data "clouddc_servers" "ready" {
  manage_state = "ready"
}

output "ready_servers" {
  value = {
    for s in data.clouddc_servers.ready.servers : s.id => "${s.location.dc}/${s.location.rack}/${s.location.unit}"
    if !s.frozen
  }
}

# Servers frozen by the police, for a violation or for arrears (frozen_state 1, 2, 4 and their sums).
data "clouddc_servers" "frozen" {
  manage_state = "frozen"
}
