"""Date formats for 简体中文, read before Django's own (FORMAT_MODULE_PATH).

Django's zh_Hans formats write 2026年12月1日 as "%Y年%n月%j日": strptime has no %n and
reads %j as the day of the year, so every date typed that way was "输入一个有效的日期。"
(an admin entering a 调休 day or a hire date in the admin's date boxes). %m and %d take
1 and 01 alike. The other formats are Django's, in its order: the first is how a date box
shows a date.
"""

# The weeks of the trend charts: 9月28日, not Django's 09月28日 (nor "09/28", which
# reads as a fraction on a phone's axis).
MONTH_DAY_FORMAT = "n月j日"

DATE_INPUT_FORMATS = [
    "%Y/%m/%d",  # 2026/12/01
    "%Y-%m-%d",  # 2026-12-01
    "%Y年%m月%d日",  # 2026年12月1日
]

DATETIME_INPUT_FORMATS = [
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y年%m月%d日 %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y/%m/%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y年%m月%d日 %H:%M:%S.%f",
]
