"""Messages to families and substitutes from the Hub's pages, with templates (issue 22, point 5).

Worked example: the Lopez family (Maria, maria@lopez.example, 555-201-3344) has Ana at program X at
1,000.00 a month; March is invoiced, so the account's balance is $1,000.00. Hub staff open the account,
"Write to the family", start from the template "Payment reminder" whose body says "the balance on your
account with {program} is {balance}": Maria receives "… with Program X is $1,000.00." and the message is
listed on the family's page as Sent.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from alliance.models import AuditEvent
from alliance.tenancy import alliance_scope
from outreach import sms
from outreach.models import Message, MessageStatus, MessageTemplate
from tests.billing.factories import ChildFactory, FamilyFactory, RatePlanFactory, account_of, enroll, room_of
from tests.enrollment.factories import GuardianFactory
from tests.security.autopay import invoice_month
from tests.sharedservices.factories import SubstituteFactory, cover

REMINDER = "Hello {recipient},\nthe balance on your account with {program} is {balance}.\n{alliance}"


@pytest.fixture
def lopez(world):  # type: ignore[no-untyped-def]
    family = FamilyFactory(alliance=world.a, name="Lopez family")
    maria = GuardianFactory(
        family=family, first_name="Maria", last_name="Lopez", email="maria@lopez.example", phone="555-201-3344"
    )
    RatePlanFactory(program=world.x, tuition=Decimal("1000.00"))
    room = room_of(world.x)
    enroll(ChildFactory(family=family, first_name="Ana"), room, start=datetime.date(2026, 1, 5))
    account = account_of(family, world.x)
    invoice_month(world, datetime.date(2026, 3, 1))
    with alliance_scope(world.a.pk):
        template = MessageTemplate.objects.create(
            name="Payment reminder", channel="email", subject="Your balance with {program}", body=REMINDER
        )
    return family, maria, account, template, room


def url(world, kind: str, pk: int) -> str:  # type: ignore[no-untyped-def]
    return f"/a/{world.a.slug}/messages/{kind}/{pk}/"


def test_hub_staff_send_a_reminder_from_a_template_and_the_family_page_lists_it(
    world, clients, lopez, django_capture_on_commit_callbacks
):
    family, maria, account, template, _ = lopez
    account_page = clients.staff_a.get(f"/a/{world.a.slug}/billing/accounts/{account.pk}/").content.decode()
    assert url(world, "accounts", account.pk) in account_page
    page = clients.staff_a.get(url(world, "accounts", account.pk) + f"?template={template.pk}")
    html = page.content.decode()
    assert "{balance}" in html
    assert "$1,000.00" in html  # what {balance} becomes here, in the placeholders' table
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.staff_a.post(
            url(world, "accounts", account.pk),
            {
                "recipient": f"guardian:{maria.pk}",
                "channel": "email",
                "template": str(template.pk),
                "subject": template.subject,
                "body": template.body,
            },
        )
    assert response.status_code == 302
    assert response["Location"] == f"/a/{world.a.slug}/billing/accounts/{account.pk}/"
    (sent,) = mail.outbox
    assert sent.to == ["maria@lopez.example"]
    assert sent.subject.endswith("Your balance with Program X")
    assert sent.body == "Hello Maria,\nthe balance on your account with Program X is $1,000.00.\nAlliance A"
    with alliance_scope(world.a.pk):
        message = Message.objects.get()
        assert (message.status, message.family_id, message.program_id) == (MessageStatus.SENT, family.pk, world.x.pk)
        assert AuditEvent.objects.filter(action="message.queued").count() == 1
    family_page = clients.staff_a.get(f"/a/{world.a.slug}/families/{family.pk}/").content.decode()
    assert "the balance on your account with Program X is $1,000.00." in family_page
    assert ">Sent<" in family_page


def test_a_text_needs_the_guardians_consent_and_goes_through_the_text_provider(
    world, clients, lopez, settings, django_capture_on_commit_callbacks
):
    family, maria, account, _, _ = lopez
    settings.HUB_SMS_BACKEND = "outreach.sms.LocmemBackend"
    sms.outbox.clear()
    data = {"recipient": f"guardian:{maria.pk}", "channel": "text", "body": "{program}: your balance is {balance}."}
    refused = clients.staff_a.post(url(world, "accounts", account.pk), data)
    assert refused.status_code == 400
    assert "Maria Lopez has not agreed to text messages" in refused.content.decode()
    with alliance_scope(world.a.pk):
        assert not Message.objects.exists()
        type(maria).objects.filter(pk=maria.pk).update(consent_text_messages=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert clients.staff_a.post(url(world, "accounts", account.pk), data).status_code == 302
    assert [(t.to, t.body) for t in sms.outbox] == [("555-201-3344", "Program X: your balance is $1,000.00.")]


def test_a_providers_failure_is_shown_on_the_message(
    world, clients, lopez, settings, django_capture_on_commit_callbacks
):
    family, maria, account, _, _ = lopez
    settings.HUB_SMS_BACKEND = "outreach.sms.WebhookBackend"
    settings.HUB_SMS_WEBHOOK_URL = "https://127.0.0.1:9/sms"  # nothing listens there
    with alliance_scope(world.a.pk):
        type(maria).objects.filter(pk=maria.pk).update(consent_text_messages=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.staff_a.post(
            url(world, "accounts", account.pk),
            {"recipient": f"guardian:{maria.pk}", "channel": "text", "body": "Hello"},
        )
    assert response.status_code == 302
    with alliance_scope(world.a.pk):
        message = Message.objects.get()
    assert message.status == MessageStatus.FAILED
    assert message.error
    assert ">Failed<" in clients.staff_a.get(f"/a/{world.a.slug}/families/{family.pk}/").content.decode()


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"body": ""}, "body", "This field is required."),
        ({"body": "Your {balanse}"}, "body", "Unknown placeholder {balanse}"),
        ({"subject": ""}, "subject", "An email needs a subject."),
        ({"recipient": "guardian:999999"}, "recipient", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_and_nothing_is_sent(world, clients, lopez, data, field, error):
    family, maria, account, _, _ = lopez
    post = {"recipient": f"guardian:{maria.pk}", "channel": "email", "subject": "Hello", "body": "Hi {recipient}"}
    post.update(data)
    response = clients.staff_a.post(url(world, "accounts", account.pk), post)
    assert response.status_code == 400
    assert error in " ".join(response.context["form"].errors.get(field, []))
    with alliance_scope(world.a.pk):
        assert not Message.objects.exists()
    assert mail.outbox == []


def test_who_may_write_about_what(world, clients, lopez, django_capture_on_commit_callbacks):
    """A provider writes about their own program's accounts only; inquiries and cover are the Hub's; a
    provider never sees the Hub's messages about another program's account on the family's page."""
    family, maria, account, _, _ = lopez
    y_account = account_of(family, world.y)
    assert clients.provider_x.get(url(world, "accounts", account.pk)).status_code == 200
    assert clients.provider_x.get(url(world, "accounts", y_account.pk)).status_code == 404
    assert clients.staff_b.get(url(world, "accounts", account.pk)).status_code == 404
    assert clients.funder_a.get(url(world, "accounts", account.pk)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        clients.staff_a.post(
            url(world, "accounts", y_account.pk),
            {"recipient": f"guardian:{maria.pk}", "channel": "email", "subject": "Y", "body": "About Program Y"},
        )
    assert "About Program Y" in clients.staff_a.get(f"/a/{world.a.slug}/families/{family.pk}/").content.decode()
    provider_page = clients.provider_x.get(f"/a/{world.a.slug}/families/{family.pk}/").content.decode()
    assert "About Program Y" not in provider_page


def test_hub_staff_notify_the_booked_substitute(world, clients, lopez, django_capture_on_commit_callbacks):
    *_, room = lopez
    sub = SubstituteFactory(alliance=world.a, first_name="Ana", last_name="Alvarez", email="ana@subs.example")
    booking = cover(room, datetime.date(2026, 12, 14), "07:30", "15:30", status="filled", substitute=sub)
    assert (
        url(world, "cover", booking.pk)
        in clients.staff_a.get(f"/a/{world.a.slug}/cover/{booking.pk}/").content.decode()
    )
    assert clients.provider_x.get(url(world, "cover", booking.pk)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.staff_a.post(
            url(world, "cover", booking.pk),
            {
                "recipient": f"substitute:{sub.pk}",
                "channel": "email",
                "subject": "Booked: {program} on {cover_day}",
                "body": "Hello {recipient}, {classroom} at {program}, {cover_day} {cover_hours}.",
            },
        )
    assert response.status_code == 302
    (sent,) = mail.outbox
    assert sent.to == ["ana@subs.example"]
    assert "Hello Ana," in sent.body
    assert "07:30–15:30" in sent.body


def test_templates_are_checked_when_saved(world, clients, lopez):
    page = f"/a/{world.a.slug}/message-templates/new/"
    bad = clients.staff_a.post(
        page, {"name": "Tour", "channel": "email", "subject": "Tour", "body": "On {tour_weather}"}
    )
    assert bad.status_code == 400
    assert "Unknown placeholder {tour_weather}" in bad.content.decode()
    duplicate = clients.staff_a.post(
        page, {"name": "payment reminder", "channel": "email", "subject": "x", "body": "x"}
    )
    assert "There is a template called payment reminder already." in duplicate.content.decode()
    long_text = clients.staff_a.post(page, {"name": "Long", "channel": "text", "body": "x" * 481})
    assert "A text message is at most 480 characters (481 here)." in long_text.content.decode()
    ok = clients.staff_a.post(
        page, {"name": "Tour", "channel": "email", "subject": "Your visit", "body": "See you, {recipient}."}
    )
    assert ok.status_code == 302
    listing = clients.staff_a.get(f"/a/{world.a.slug}/message-templates/").content.decode()
    assert "Tour" in listing
    assert clients.provider_x.get(f"/a/{world.a.slug}/message-templates/").status_code == 403
    with alliance_scope(world.b.pk):
        assert not MessageTemplate.objects.exists()  # another alliance has none of these


def test_hub_staff_write_to_the_families_of_ticked_offers_at_once(
    world, clients, today, django_capture_on_commit_callbacks
):
    """Three open offers: Ana Lopez and Ben Okafor at program X (both guardians have email), Cy Diaz at X whose
    guardian has no email, and Dee Yu at program Y. Hub staff tick Ana, Ben and Cy and write one email each:
    Maria and Grace receive their own child's room and answer-by date, Cy's family is named as not written to,
    and two messages are listed. The provider of program Y who ticks X's offers writes to nobody."""
    from enrollment.services import offer_create
    from tests.enrollment.conftest import next_monday
    from tests.enrollment.factories import entry, months_before

    start = next_monday(today, weeks=2)
    respond_by = start - datetime.timedelta(days=3)
    rooms = {world.x.pk: room_of(world.x), world.y.pk: room_of(world.y)}
    offers = {}
    for first, family_name, email, program in [
        ("Ana", "Lopez", "maria@lopez.example", world.x),
        ("Ben", "Okafor", "grace@okafor.example", world.x),
        ("Cy", "Diaz", "", world.x),
        ("Dee", "Yu", "sam@yu.example", world.y),
    ]:
        family = FamilyFactory(alliance=world.a, name=f"{family_name} family")
        GuardianFactory(
            family=family, first_name=email.split("@")[0].title() or "Luz", last_name=family_name, email=email
        )
        child = ChildFactory(
            family=family, first_name=first, last_name=family_name, date_of_birth=months_before(start, 40)
        )
        waiting = entry(child, program=program, added_on=today - datetime.timedelta(days=30), desired_start=start)
        with alliance_scope(world.a.pk):
            offers[first] = offer_create(
                actor=world.users.staff_a,
                entry=waiting,
                classroom=rooms[program.pk],
                start_date=start,
                respond_by=respond_by,
            )
    page = f"/a/{world.a.slug}/messages/offers/"
    offer_list = clients.staff_a.get(f"/a/{world.a.slug}/offers/").content.decode()
    assert f'name="offer" value="{offers["Ana"].pk}" form="offers-message"' in offer_list
    assert "Write to their families" in offer_list

    ticked = [offers[n].pk for n in ("Ana", "Ben", "Cy")]
    compose = clients.staff_a.get(page, {"offer": ticked}).content.decode()
    assert "3 families to write to" in compose
    assert "Send 3 messages" in compose
    with django_capture_on_commit_callbacks(execute=True):
        response = clients.staff_a.post(
            page,
            {
                "offer": ticked,
                "channel": "email",
                "subject": "A place for {child} at {program}",
                "body": "Hello {recipient}, {child} may start in {classroom} on {start_date}; answer by {respond_by}.",
            },
            follow=True,
        )
    html = response.content.decode()
    assert "2 messages queued" in html
    assert "Not written to: Cy Diaz: no guardian with a valid email address." in html
    by_to = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_to) == ["grace@okafor.example", "maria@lopez.example"]
    assert by_to["maria@lopez.example"].subject.endswith("A place for Ana at Program X")
    room = rooms[world.x.pk].name
    assert by_to["grace@okafor.example"].body.startswith(f"Hello Grace, Ben may start in {room} on ")
    with alliance_scope(world.a.pk):
        assert sorted(Message.objects.values_list("about_id", flat=True)) == sorted(
            [offers["Ana"].pk, offers["Ben"].pk]
        )
        assert AuditEvent.objects.filter(action="message.queued").count() == 2

    # Program Y's provider may tick X's offers in a forged request: none is theirs, nothing is sent.
    refused = clients.provider_y.post(
        page, {"offer": [offers["Ana"].pk], "channel": "email", "subject": "Hi", "body": "Hi"}
    )
    assert refused.status_code == 400
    assert "Tick at least one open offer" in refused.content.decode()
    with alliance_scope(world.a.pk):
        assert Message.objects.count() == 2
    # Bad input changes nothing: an email without a subject.
    refused = clients.staff_a.post(page, {"offer": [offers["Dee"].pk], "channel": "email", "subject": "", "body": "Hi"})
    assert refused.status_code == 400
    assert "An email needs a subject." in refused.content.decode()
    with alliance_scope(world.a.pk):
        assert Message.objects.count() == 2
