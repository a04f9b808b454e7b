# One ShowServerStatus call, whatever the size of the fleet.
data "clouddc_server_status" "this" {}

# Warn on every plan and apply while servers are unhealthy.
check "servers_healthy" {
  assert {
    condition     = data.clouddc_server_status.this.health.unhealthy == 0
    error_message = "${data.clouddc_server_status.this.health.unhealthy} physical server(s) are not healthy: ${jsonencode(data.clouddc_server_status.this.health_by_dc)}"
  }
}

output "servers_by_manage_state" {
  value = data.clouddc_server_status.this.manage_state
}
