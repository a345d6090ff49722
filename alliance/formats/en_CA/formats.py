"""English (Canada): 2026-01-05; 1,234.50."""

DATE_FORMAT = "Y-m-d"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d g:i a"
SHORT_DATETIME_FORMAT = "Y-m-d g:i a"
TIME_FORMAT = "g:i a"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# Ours, not Django's: money's symbol (alliance/formatting.py).
CURRENCY_SYMBOL = "$"
FIRST_DAY_OF_WEEK = 0
# ISO first: <input type="date"> sends and shows it; the written form is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
