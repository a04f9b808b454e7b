# One bare-metal instance on an idle ready server, with a write-only password
# (never stored in state; Terraform 1.11+). Bump password_wo_version to apply
# a new password_wo.
resource "clouddc_instance" "web" {
  name     = "web-01"
  image_id = "3c9c5e3a-6f0e-4a51-9a55-5b0e3c6f1a01"
  vpc_id   = "6a3b8f0e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"

  network_interfaces = [
    {
      subnet_id    = "7b4c9a1f-2e3d-4f60-9bac-1d2e3f4a5b6c"
      ipv4_address = "192.168.0.10"
    },
  ]

  description = "Front-end web server"
  metadata = {
    role = "web"
  }

  password_wo         = var.root_password
  password_wo_version = 1

  timeouts {
    create = "45m"
    delete = "30m"
  }
}

# Pin an instance to a particular physical server.
data "clouddc_servers" "ready" {
  manage_state = "ready"
}

resource "clouddc_instance" "db" {
  name      = "db-01"
  image_id  = "3c9c5e3a-6f0e-4a51-9a55-5b0e3c6f1a01"
  vpc_id    = "6a3b8f0e-1d2c-4e5f-8a9b-0c1d2e3f4a5b"
  server_id = data.clouddc_servers.ready.ids[0]

  network_interfaces = [
    { subnet_id = "7b4c9a1f-2e3d-4f60-9bac-1d2e3f4a5b6c" },
  ]

  password_wo         = var.root_password
  password_wo_version = 1
}

variable "root_password" {
  type      = string
  sensitive = true
}
