import random

import factory
from django.utils import timezone

from accounts.choices import Role
from accounts.models import User
from catalogue.choices import CategoryLevel, Severity
from catalogue.models import HazardCategory
from register.choices import EnterpriseKind
from register.credit_codes import make_credit_code
from register.models import Enterprise, Grid, Parcel, Zone

_rng = random.Random(20231231)


class ZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Zone
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"区块{n}")
    code = factory.Sequence(lambda n: f"zone-{n}")


class GridFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grid

    zone = factory.SubFactory(ZoneFactory)
    name = factory.Sequence(lambda n: f"第{n}网格")


class ParcelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Parcel

    code = factory.Sequence(lambda n: f"YK-{n:05d}")
    name = factory.Sequence(lambda n: f"宗地{n}号厂房")
    address = factory.Sequence(lambda n: f"永康市经济开发区工业路{n}号")
    grid = factory.SubFactory(GridFactory)
    landlord_name = factory.Sequence(lambda n: f"房东{n}")
    landlord_phone = "13800000000"
    latitude = 28.9
    longitude = 120.05


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    name = factory.Sequence(lambda n: f"永康测试五金有限公司{n}")
    credit_code = factory.LazyFunction(lambda: make_credit_code(_rng))
    kind = EnterpriseKind.INDUSTRIAL
    parcel = factory.SubFactory(ParcelFactory)
    grid = factory.LazyAttribute(lambda o: o.parcel.grid if o.parcel else GridFactory())
    legal_representative = "张三"
    safety_contact = "李四"
    phone = "13900000000"
    employee_count = 25


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    role = Role.INSPECTOR
    password = factory.PostGenerationMethodCall("set_password", "pass-2023-word")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class HazardCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HazardCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"测试隐患类别{n}")
    level = CategoryLevel.ENTERPRISE
    default_severity = Severity.GENERAL
    deadline_days = 15
    standard_measures = "立即整改，落实责任人。"


def now():
    return timezone.now()


def jpeg_bytes(size=(64, 48), color=(200, 40, 40)):
    """A small real JPEG."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def photo_upload(name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


# --- Cases as raw rows (added by the briefing helper) ------------------------------------------------
# These write rows directly, bypassing cases.services, so that tests of the ledger figures and
# the daily briefing can set any status and timestamp. Tests of the workflow use the services.


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Inspection"

    inspector = factory.SubFactory(UserFactory, role=Role.INSPECTOR)
    enterprise = factory.SubFactory(EnterpriseFactory)
    parcel = factory.LazyAttribute(lambda o: o.enterprise.parcel if o.enterprise else None)
    grid = factory.LazyAttribute(lambda o: o.enterprise.grid if o.enterprise else o.parcel.grid)
    zone = factory.LazyAttribute(lambda o: o.grid.zone)
    inspected_at = factory.LazyFunction(timezone.now)


class HazardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Hazard"

    number = factory.Sequence(lambda n: f"YH-T-{n:06d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    parcel = factory.LazyAttribute(lambda o: o.enterprise.parcel if o.enterprise else None)
    grid = factory.LazyAttribute(lambda o: o.enterprise.grid if o.enterprise else o.parcel.grid)
    zone = factory.LazyAttribute(lambda o: o.grid.zone)
    category = factory.SubFactory(HazardCategoryFactory)
    severity = Severity.GENERAL
    description = "测试隐患"
    reporter = factory.SubFactory(UserFactory, role=Role.INSPECTOR)
    reported_at = factory.LazyFunction(timezone.now)


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "cases.Ticket"

    number = factory.Sequence(lambda n: f"ZG-T-{n:06d}")
    responsible_kind = "enterprise"
    enterprise = factory.SubFactory(EnterpriseFactory)
    parcel = factory.LazyAttribute(lambda o: o.enterprise.parcel if o.enterprise else None)
    grid = factory.LazyAttribute(lambda o: o.enterprise.grid if o.enterprise else o.parcel.grid)
    zone = factory.LazyAttribute(lambda o: o.grid.zone)
    status = "pending"
    created_by = factory.SubFactory(UserFactory, role=Role.MANAGER)
    created_at = factory.LazyFunction(timezone.now)


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "catalogue.Campaign"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"百日攻坚专项行动{n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate())

    @factory.post_generation
    def risk_tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.risk_tags.set(extracted)
