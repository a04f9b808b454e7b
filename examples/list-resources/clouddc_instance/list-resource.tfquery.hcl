# List blocks live in .tfquery.hcl files beside the configuration that
# configures the provider, and run with `terraform query` (Terraform 1.14+).

# Every instance that is not terminated, with the full resource, so that
# `terraform query -generate-config-out=generated.tf` can write configuration
# for each. Terraform returns at most 100 results per list block unless
# limit says otherwise.
list "clouddc_instance" "all" {
  provider         = clouddc
  include_resource = true
  limit            = 1000
}

# Running instances whose names start with "web-".
list "clouddc_instance" "web" {
  provider = clouddc

  config {
    state       = "running"
    name_prefix = "web-"
  }
}

# These instances (any number of IDs: the API is asked 100 at a time).
list "clouddc_instance" "by_id" {
  provider = clouddc

  config {
    ids = [
      "0198170e-4ca7-7ee4-89a7-fa631843920b",
      "0198170e-4ca7-7ee4-89a7-fa631843920c",
    ]
  }
}

# The instances on these physical servers.
list "clouddc_instance" "on_servers" {
  provider = clouddc

  config {
    server_ids = ["0195b197-1f10-7f2d-ad0f-92c1ebdb9ad3"]
  }
}
