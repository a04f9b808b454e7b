# Import a fleet by the comma-separated IDs of its instances. Name, image,
# network, description and metadata are read back from the first instance;
# the password cannot be read back (set password_wo_version afterwards).
terraform import clouddc_instances.web 0198170e-4ca7-7ee4-89a7-fa631843920b,0198170e-4ca7-7ee4-89a7-fa631843920c
