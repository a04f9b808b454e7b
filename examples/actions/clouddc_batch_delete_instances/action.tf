# Delete up to 50 instances with one batch call and wait until every one is
# terminated. Run it on demand:
#   terraform apply -invoke=action.clouddc_batch_delete_instances.retire_rack_a
# or from a lifecycle trigger, as below.
action "clouddc_batch_delete_instances" "retire_rack_a" {
  config {
    instance_ids = [
      "0198170e-4ca7-7ee4-89a7-fa631843920b",
      "0198170e-4ca7-7ee4-89a7-fa631843920c",
      "0198170e-4ca7-7ee4-89a7-fa631843920d",
    ]
    wait    = true
    timeout = "45m"
  }
}

# Retire the instances once the decommissioning ticket is recorded.
resource "terraform_data" "decommission_ticket" {
  input = "CHG-20261129-017"

  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.clouddc_batch_delete_instances.retire_rack_a]
    }
  }
}
