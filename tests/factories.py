import datetime

import factory

from accounts.models import Area, Branch, Region, RegionMembership, Role, User
from activity.models import DailyLog, LogStatus, Metric, MetricValue, Prospect, VisitRecord

PASSWORD = "correct horse 42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    employee_no = factory.Sequence(lambda n: f"{n:06d}")
    name = factory.Sequence(lambda n: f"员工{n}")
    role = Role.ACCOUNT_MANAGER
    password = factory.django.Password(PASSWORD)
    # Staff past their first login: tests that log in land on their work, not the
    # password page (accounts' PasswordChangeRequiredMiddleware).
    must_change_password = False


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch

    name = factory.Sequence(lambda n: f"分公司{n}")


class AreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Area

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"片区{n}")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region

    branch = factory.SubFactory(BranchFactory)
    name = factory.Sequence(lambda n: f"区域{n}")
    created_on = None  # there all along, whatever week a test reads


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionMembership

    user = factory.SubFactory(UserFactory)
    region = factory.SubFactory(RegionFactory)
    start_date = datetime.date(2020, 1, 1)


class DailyLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DailyLog

    author = factory.SubFactory(UserFactory)
    region = factory.SubFactory(RegionFactory)
    date = factory.LazyFunction(datetime.date.today)
    status = LogStatus.SUBMITTED


class MetricValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricValue

    log = factory.SubFactory(DailyLogFactory)
    metric = factory.LazyFunction(lambda: Metric.objects.get(code="visits"))
    value = 3


class ProspectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Prospect

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"客户{n}")
    phone = "13800138000"


class VisitRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitRecord

    log = factory.SubFactory(DailyLogFactory)
    customer = factory.Sequence(lambda n: f"客户{n}")


def member(region: Region, **user_fields) -> User:
    """An account manager who is a member of `region` since 2020."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, region=region)
    return user
