import datetime

from activity.models import LogStatus, Metric, MetricValue
from tests import factories as f


def metric(code: str) -> Metric:
    return Metric.objects.get(code=code)


def write_log(author, region, day: datetime.date, status=LogStatus.SUBMITTED, **counts):
    """A log of `author` in `region` on `day` with counts by metric code."""
    signer = region.manager if status == LogStatus.SIGNED_OFF else None
    log = f.DailyLogFactory(
        author=author, region=region, date=day, status=status, signed_off_by=signer
    )
    for code, value in counts.items():
        MetricValue.objects.create(log=log, metric=metric(code), value=value)
    return log
