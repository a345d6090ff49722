"""English (United States): Jan 5, 2026; 1,234.50."""

DATE_FORMAT = "M j, Y"
MONTH_DAY_FORMAT = "M j"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "m/d/Y"
DATETIME_FORMAT = "M j, Y, g:i a"
SHORT_DATETIME_FORMAT = "M j, Y g:i a"
TIME_FORMAT = "g:i a"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# Ours, not Django's: money's symbol (alliance/formatting.py).
CURRENCY_SYMBOL = "$"
FIRST_DAY_OF_WEEK = 0
# ISO first: <input type="date"> sends and shows it; the written form is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
