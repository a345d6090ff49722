"""Date and number formats by locale (FORMAT_MODULE_PATH). Pages write dates with the named formats
(`|date:"DATE_FORMAT"`, `MONTH_DAY_FORMAT`, `YEAR_MONTH_FORMAT`, `SHORT_DATETIME_FORMAT`) and money
with the builtin `money` filter (alliance/formatting.py, which reads CURRENCY_SYMBOL from these
modules); the alliance's locale (Alliance.locale) picks the module for its pages."""
