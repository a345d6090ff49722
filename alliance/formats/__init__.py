"""Date and number formats by locale (FORMAT_MODULE_PATH). Pages write dates with the named formats
(`|date:"DATE_FORMAT"`, `MONTH_DAY_FORMAT`, `YEAR_MONTH_FORMAT`, `SHORT_DATETIME_FORMAT`) and money
with members_tags.money; the alliance's locale (Alliance.locale) picks the module for its pages."""
