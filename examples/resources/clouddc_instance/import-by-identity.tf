# Terraform 1.12+: import by resource identity. project_id is optional and
# defaults to the provider's; no password is needed to import.
import {
  to = clouddc_instance.db
  identity = {
    id = "0198170e-4ca7-7ee4-89a7-fa631843920c"
  }
}
