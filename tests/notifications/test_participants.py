"""A multi-region project's participants hear, in their own language and by real SMTP, of what concerns them."""

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain import repository as repo
from domain.decision import apply_decision
from domain.formatting import format_money
from domain.model import Contact, Duty, DutyPhase, Language, Participant
from domain.preparation import complete_duty
from domain.reminders import Deadline
from domain.store import unit_of_work
from domain.submission import submit_application
from grantflow.mailsink import MailSink, ReceivedMail
from notifications.delivery import deliver
from notifications.dispatch import Channels
from notifications.messages import decision_messages, submitted_messages
from notifications.outbox import OutgoingMessage, enqueue
from notifications.recipients import ReminderAudience
from notifications.reminders import plan_reminders
from tests.helpers import hel, under_review

# ot-2020 is led by PPSHP (English-speaking project office) with Soite taking part (two Finnish
# contacts and a Swedish one); the call's officer is the ministry's.
SOITE_FI = ("kehittamispaallikko@soite.example", "toimialuejohtaja@soite.example")
SOITE_SV = "kommunikation@soite.example"
LEAD = "ot-project@ppshp.example"


def delivered(engine: Engine, sink: MailSink, messages: list[OutgoingMessage], at_text: str) -> list[ReceivedMail]:
    """Queue `messages`, deliver them to the sink, and return the mail about ot-2020 it received."""
    at = hel(at_text)
    with unit_of_work(engine) as session:
        keys = enqueue(session, messages, at=at)
    report = deliver(engine, Channels(email_url=sink.channel_url()), at, keys=keys)
    assert not report.retrying and not report.failed, report.errors
    deadline = time.monotonic() + 10
    while len(sink.mails) < len(report.sent) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [mail for mail in sink.mails if "(ot-2020)" in mail.body]


def to(mails: list[ReceivedMail], address: str) -> list[ReceivedMail]:
    return [mail for mail in mails if address in mail.recipients]


@pytest.mark.smtp
def test_each_participant_receives_the_submission_receipt_with_its_own_share_in_its_language(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        complete_duty(session, "ot-2020", "project-plan", at=hel("2020-04-28 12:00"), actor="test")
        submit_application(session, "ot-2020", at=hel("2020-04-30 10:00"), actor="test")
        messages = submitted_messages(session, repo.application(session, "ot-2020"), hel("2020-04-30 10:00"))
    with MailSink() as sink:
        mails = delivered(seeded, sink, messages, "2020-04-30 10:00")
    for address in SOITE_FI:
        (mail,) = to(mails, address)
        assert mail.subject.startswith("Hakemus vastaanotettu")
        assert "Osuutenne (Soite): 365 000 €" in mail.body
        assert "hallinnoi Pohjois-Pohjanmaan sairaanhoitopiiri" in mail.body
        assert "1 235 000" not in mail.body  # the lead's share is the lead's
    (swedish,) = to(mails, SOITE_SV)
    assert swedish.subject.startswith("Ansökan mottagen") and "Er andel (Soite): 365 000 €" in swedish.body
    (lead,) = to(mails, LEAD)
    assert lead.subject.startswith("Application received")
    assert "PPSHP: €1,235,000" in lead.body and "Soite: €365,000" in lead.body


@pytest.mark.smtp
def test_each_participant_receives_the_decision_with_its_own_granted_share_in_its_language(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, "ot-2020")
        apply_decision(session, "ot-2020", at=hel("2020-06-30 14:00"), actor="test")
        app = repo.application(session, "ot-2020")
        decision = repo.decision_of(session, app.id)
        assert decision is not None
        messages = decision_messages(session, app, decision)
    with MailSink() as sink:
        mails = delivered(seeded, sink, messages, "2020-06-30 14:00")
    for address in SOITE_FI:
        (mail,) = to(mails, address)
        assert mail.subject.startswith("Valtionavustus myönnetty osittain")
        assert "Osuutenne (Soite): haettu 365 000 €, myönnetty 365 000 €" in mail.body
        assert "1 035 000" not in mail.body
        # The acceptance and the start-up documents are the lead's to deliver.
        assert "Avustuksen vastaanottoilmoitus" not in mail.body and "Pohjois-Pohjanmaan sairaanhoitopiiri" in mail.body
    (swedish,) = to(mails, SOITE_SV)
    assert "Er andel (Soite): sökt 365 000 €, beviljat 365 000 €" in swedish.body
    (lead,) = to(mails, LEAD)
    assert "PPSHP: €1,035,000" in lead.body and "Soite: €365,000" in lead.body
    assert "Acceptance of the grant and its terms" in lead.body


@pytest.mark.smtp
def test_participants_are_reminded_of_the_whole_projects_deadlines_and_the_lead_of_its_documents(seeded: Engine) -> None:
    with unit_of_work(seeded) as session:
        # A reporting deadline of the whole project (as start-up creates them), due as the call closes.
        session.add(Duty(application_id="ot-2020", kind="annual-report-2020", title="Annual report 2020", phase=DutyPhase.REPORTING,
                         due_at=hel("2020-04-30 16:15")))
    with Session(seeded) as session:
        messages = plan_reminders(session, hel("2020-04-16 09:00")).to_send
    with MailSink() as sink:
        mails = delivered(seeded, sink, messages, "2020-04-16 09:00")
    for address in SOITE_FI:
        subjects = sorted(mail.subject.split(" – ")[0] for mail in to(mails, address))
        assert subjects == ["Muistutus: Sote-rakenneuudistusta tukeva alueellinen valmistelu", "Muistutus: Vuosiraportti 2020"]
    assert sorted(mail.subject.split(" – ")[0] for mail in to(mails, SOITE_SV)) == [
        "Påminnelse: Sote-rakenneuudistusta tukeva alueellinen valmistelu", "Påminnelse: Årsrapport 2020"
    ]
    assert sorted(mail.subject.split(" – ")[0] for mail in to(mails, LEAD)) == [
        "Reminder: Annual report 2020", "Reminder: Hankesuunnitelma", "Reminder: Sote-rakenneuudistusta tukeva alueellinen valmistelu"
    ]


OWN_SHARE = {Language.FI: "Osuutenne", Language.SV: "Er andel", Language.EN: "Your share"}
NAMES = {"ppshp": "PPSHP", "soite": "Soite", "lappi": "Lapin maakunta", "esimerkki": "Esimerkkimaakunta"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["ppshp", "soite", "lappi", "esimerkki"]), min_size=1, max_size=4, unique=True),
       st.lists(st.integers(1, 10**6), min_size=4, max_size=4, unique=True))
def test_every_participants_every_contact_gets_one_receipt_naming_its_own_share_and_no_other(
    undecided: Engine, organisations: list[str], euros: list[int]
) -> None:
    session = Session(undecided)
    app = repo.application(session, "ot-2020")
    for row in repo.participants(session, app.id):
        session.delete(row)
    session.flush()
    shares = {org: euros[i] * 100 for i, org in enumerate(organisations)}
    session.add_all(Participant(application_id=app.id, organisation_id=org, requested_cents=cents) for org, cents in shares.items())
    session.flush()
    try:
        messages = submitted_messages(session, app, hel("2020-04-30 10:00"))
        by_recipient = {m.recipient: m for m in messages}
        assert len(by_recipient) == len(messages)
        for org, cents in shares.items():
            for contact in session.exec(select(Contact).where(Contact.organisation_id == org)):
                body = by_recipient[contact.email].body
                if org == app.applicant_id:
                    assert OWN_SHARE[contact.language] not in body  # the lead's copy lists every share instead
                    continue
                assert f"{OWN_SHARE[contact.language]} ({NAMES[org]}): {format_money(cents, contact.language)}" in body
                others = [format_money(c, contact.language) for o, c in shares.items() if o != org]
                assert not any(f": {amount}\n" in body for amount in others)
        lead_addresses = {c.email for c in repo.contacts(session, app.applicant_id)}
        assert lead_addresses <= set(by_recipient)
    finally:
        session.rollback()
        session.close()


@pytest.mark.parametrize("phase", [None, *DutyPhase])
def test_participants_hear_of_the_call_closing_and_of_reports_and_only_the_lead_of_its_documents(session: Session, phase: DutyPhase | None) -> None:
    app = repo.application(session, "ot-2020")
    deadline = Deadline(key="k", application_id=app.id, call_id=app.call_id, kind="call" if phase is None else "duty", duty_kind=None if phase is None else "x",
                        phase=phase, title="t", due_at=hel("2020-04-30 16:15"))
    organisations = {c.organisation_id for c in ReminderAudience(session).of(app, deadline)}
    assert organisations == ({"ppshp", "soite"} if phase in (None, DutyPhase.REPORTING) else {"ppshp"})
