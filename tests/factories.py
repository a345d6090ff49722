"""factory_boy factories shared by every app's tests.

Tenant rows are created inside their alliance's scope (contextvar and
`app.alliance_id`), exactly as the app does, so row-level security applies to
test data too.
"""

from __future__ import annotations

import factory
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model

from alliance.models import Alliance, Membership, Role
from alliance.tenancy import alliance_scope
from members.models import MemberProgram, ProgramKind, ProgramStatus

PASSWORD = "correct-horse-battery-9"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        alliance = kwargs["alliance"]
        with alliance_scope(alliance.pk):
            return model_class.objects.create(*args, **kwargs)


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Alliance {n}")
    slug = factory.Sequence(lambda n: f"alliance-{n}")
    region = "Test County"
    timezone = "America/Chicago"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@test.invalid")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):  # type: ignore[no-untyped-def]
        self.save()
        EmailAddress.objects.get_or_create(user=self, email=self.email, defaults={"primary": True, "verified": True})
        if extracted:
            self.totp_secret = generate_totp_secret()
            TOTP.activate(self, self.totp_secret)


class MemberProgramFactory(TenantFactory):
    class Meta:
        model = MemberProgram

    alliance = factory.SubFactory(AllianceFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    kind = ProgramKind.CENTRE
    status = ProgramStatus.ACTIVE


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    alliance = factory.SubFactory(AllianceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.HUB_STAFF
    program = None


def member(
    alliance: Alliance,
    role: str,
    *,
    program: MemberProgram | None = None,
    totp: bool | None = None,
    email: str | None = None,
):  # type: ignore[no-untyped-def]
    """A user with one membership. Hub roles get TOTP unless told otherwise."""
    if totp is None:
        totp = role in (Role.HUB_ADMIN, Role.HUB_STAFF)
    user_kwargs = {"totp": totp}
    if email:
        user_kwargs["email"] = email
    user = UserFactory(**user_kwargs)
    MembershipFactory(alliance=alliance, user=user, role=role, program=program)
    return user
