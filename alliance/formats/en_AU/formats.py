"""English (Australia): 5 Jan 2026; 1,234.50; 12-hour clock."""

DATE_FORMAT = "j M Y"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j M Y, g:i a"
SHORT_DATETIME_FORMAT = "j M Y g:i a"
TIME_FORMAT = "g:i a"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
# Ours, not Django's: money's symbol (alliance/formatting.py).
CURRENCY_SYMBOL = "$"
FIRST_DAY_OF_WEEK = 1
# ISO first: <input type="date"> sends and shows it; the written form is accepted too.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"]
