# An instance is imported by its ID (a lower-case UUID). The password is not
# readable from the API: set password or password_wo in the configuration.
terraform import clouddc_instance.web 0198170e-4ca7-7ee4-89a7-fa631843920b
