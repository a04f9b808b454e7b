# The demo run by `make demo` (scripts/demo.sh) against a local clouddc-emulator:
# a fleet of bare-metal instances from one RunInstances call, and batch-delete resources
# that adopt the fleet in chunks of at most 50 IDs (the API's limit per batch-delete call).
# On `terraform destroy` each chunk is deleted with one batch-delete call and waited for until
# every instance is terminated; the fleet then finds its instances already gone.

terraform {
  required_version = ">= 1.11"
  required_providers {
    clouddc = {
      source = "clouddc-community/clouddc"
    }
  }
}

# endpoint, project_id and auth_token come from CLOUDDC_ENDPOINT, CLOUDDC_PROJECT_ID and
# CLOUDDC_AUTH_TOKEN, which scripts/demo.sh sets for the emulator it started.
provider "clouddc" {}

locals {
  chunk_size  = 50
  chunk_count = ceil(var.fleet_size / local.chunk_size)
  # Known only after apply: the fleet's IDs (sorted), cut into chunks of at most 50.
  chunks = chunklist(keys(clouddc_instances.fleet.instances), local.chunk_size)
}

resource "clouddc_instances" "fleet" {
  name           = "demo-node"
  instance_count = var.fleet_size
  image_id       = var.image_id
  vpc_id         = var.vpc_id
  network_interfaces = [
    { subnet_id = var.subnet_id },
  ]
  password    = var.root_password
  description = "make demo"
  metadata = {
    purpose = "demo"
  }
}

# count must be known at plan time, so it comes from var.fleet_size, not from the fleet's IDs.
resource "clouddc_instances_batch_delete" "chunk" {
  count        = local.chunk_count
  instance_ids = local.chunks[count.index]
}
