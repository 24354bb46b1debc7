"""English formats, read before Django's own (FORMAT_MODULE_PATH).

MONTH_DAY_FORMAT labels the weeks of the trend charts: "Sep 28" reads as a date where
Django's "September 28" is too long for a phone's axis and "09/28" reads as a fraction.
"""

MONTH_DAY_FORMAT = "M j"
