"""A realistic demo org: one branch, two areas, five regions, ~40 account managers."""

import datetime
import random
from dataclasses import dataclass, field
from functools import cache

from django.contrib.auth.hashers import make_password

from .models import Area, Branch, Region, RegionMembership, Role, User

DEMO_PASSWORD = "footwork-demo"  # noqa: S105  (printed by `make run`; demo data only)
BRANCH_NAME = "杭州分公司"

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "强",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "志强",
    "海燕",
    "晓东",
    "丽娟",
    "春梅",
    "国庆",
    "文博",
    "子涵",
    "雨萱",
    "浩然",
    "思远",
    "佳怡",
    "俊杰",
    "欣怡",
    "宇航",
    "嘉豪",
    "梦琪",
    "晨阳",
    "一鸣",
]

# region name, area name (None: 直属, managed by the branch head)
REGIONS = [
    ("西北", "城西片区"),
    ("西南", "城西片区"),
    ("东北", "城东片区"),
    ("东南", "城东片区"),
    ("直属", None),
]


@dataclass
class DemoOrg:
    branch: Branch
    regions: list[Region]
    account_managers: list[User]
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # role, employee no, name


def _names(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(rng.choice(SURNAMES) + rng.choice(GIVEN))
    names = sorted(seen)
    rng.shuffle(names)
    return names


def _user(employee_no: str, name: str, role: str, **extra) -> User:
    # One hash for everybody: hashing per user costs ~0.3 s each.
    return User.objects.create(
        employee_no=employee_no, name=name, role=role, password=_demo_password_hash(), **extra
    )


@cache
def _demo_password_hash() -> str:
    return make_password(DEMO_PASSWORD)


def build_org(*, am_count: int = 40, start: datetime.date, seed: int = 2026) -> DemoOrg:
    rng = random.Random(seed)
    names = iter(_names(rng, am_count + 10))
    admin = _user("0001", "系统管理员", Role.ADMIN, is_staff=True, is_superuser=True)
    head = _user("0002", next(names), Role.BRANCH_HEAD)
    branch = Branch.objects.create(name=BRANCH_NAME, head=head)
    org = DemoOrg(branch=branch, regions=[], account_managers=[])
    org.logins += [
        ("admin", admin.employee_no, admin.name),
        ("branch_head", head.employee_no, head.name),
    ]

    areas = {}
    for index, area_name in enumerate(sorted({a for _, a in REGIONS if a})):
        manager = _user(f"001{index + 1}", next(names), Role.AREA_MANAGER)
        areas[area_name] = Area.objects.create(branch=branch, name=area_name, manager=manager)
        org.logins.append(("area_manager", manager.employee_no, manager.name))

    for index, (region_name, area_name) in enumerate(REGIONS):
        if area_name:
            manager = _user(f"010{index + 1}", next(names), Role.REGIONAL_MANAGER)
            org.logins.append(("rm", manager.employee_no, f"{manager.name}（{region_name}）"))
        else:
            manager = head  # 直属: the branch manages this region itself
        org.regions.append(
            Region.objects.create(
                branch=branch,
                area=areas.get(area_name),
                name=region_name,
                manager=manager,
                created_on=start,
            )
        )

    memberships = []
    for index in range(am_count):
        region = org.regions[index % len(org.regions)]
        am = _user(
            f"{1001 + index}",
            next(names),
            Role.ACCOUNT_MANAGER,
            mobile=f"138{rng.randint(10000000, 99999999)}",
            hire_date=start - datetime.timedelta(days=rng.randint(60, 1500)),
        )
        org.account_managers.append(am)
        memberships.append(RegionMembership(user=am, region=region, start_date=start))
        if index < len(org.regions):
            org.logins.append(("am", am.employee_no, f"{am.name}（{region.name}）"))
    RegionMembership.objects.bulk_create(memberships)
    return org


def demo_logins(branch: Branch) -> list[tuple[str, str, str]]:
    """The same list `build_org` returned, read back from the database."""
    logins = []
    admin = User.objects.filter(employee_no="0001").first()
    if admin:
        logins.append(("admin", admin.employee_no, admin.name))
    if branch.head:
        logins.append(("branch_head", branch.head.employee_no, branch.head.name))
    for area in branch.areas.select_related("manager").order_by("name"):
        if area.manager:
            logins.append(("area_manager", area.manager.employee_no, area.manager.name))
    regions = list(branch.regions.select_related("manager").order_by("pk"))
    for region in regions:
        if region.manager and region.manager.role == Role.REGIONAL_MANAGER:
            logins.append(
                ("rm", region.manager.employee_no, f"{region.manager.name}（{region.name}）")
            )
    for region in regions:
        first = (
            region.memberships.filter(end_date__isnull=True)
            .select_related("user")
            .order_by("user__employee_no")
            .first()
        )
        if first:
            logins.append(("am", first.user.employee_no, f"{first.user.name}（{region.name}）"))
    return logins
