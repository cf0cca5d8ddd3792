"""Date formats for zh-hans that parse what Chinese users type.

Django ships `%n` in its zh_Hans DATE_INPUT_FORMATS; `%n` is not a strptime directive, so
"2024年3月5日" never parses. `%m`/`%d` accept one or two digits, so these cover 2024/3/5 too.
"""

# one way of writing a date on every page, the lists' ISO form (a review counted three:
# 2026-12-01, 1 Dec 2026 or 2026年12月1日, and 2026-12-01 14:30)
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%Y.%m.%d", "%Y%m%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H时%M分",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日",
]
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
