# Import a batch by the comma-separated IDs of its instances (at most 50).
terraform import clouddc_instances_batch_delete.old 0198170e-4ca7-7ee4-89a7-fa631843920b,0198170e-4ca7-7ee4-89a7-fa631843920c
