# An instance is imported by its ID (a lower-case UUID); no password is
# needed. Set password_wo (or password) only before a change that needs one:
# a new image_id (reinstall) or a change that replaces the instance.
terraform import clouddc_instance.web 0198170e-4ca7-7ee4-89a7-fa631843920b
