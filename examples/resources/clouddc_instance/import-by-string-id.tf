# Terraform 1.5+: import block by instance ID.
import {
  to = clouddc_instance.web
  id = "0198170e-4ca7-7ee4-89a7-fa631843920b"
}
