# new_page(**PHONE): a 375 px touch phone, as account managers use in the field.
PHONE = {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True}
