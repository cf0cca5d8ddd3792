"""Date formats for English: ISO first, and the slash and Chinese forms still accepted."""

# one way of writing a date on every page, the lists' ISO form (a review counted three:
# 2026-12-01, 1 Dec 2026 or 2026年12月1日, and 2026-12-01 14:30)
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
]
FIRST_DAY_OF_WEEK = 1
