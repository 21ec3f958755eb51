"""The change request flows: submitted, decided part by part, the applicant's notice mailed once the last part is decided."""

import time

from sqlalchemy.engine import Engine

from domain.changes import PartDecision, PartInput
from domain.decision import apply_decision
from domain.model import ChangeKind, ChangeOutcome
from domain.preparation import complete_duty
from domain.startup import start_project
from domain.store import unit_of_work
from flows.changes import change_decision, change_submission
from grantflow.mailsink import MailSink, ReceivedMail
from tests.helpers import hel, under_review

APP = "soite-ru-2020"
EUR = 100


def _received(sink: MailSink, subject: str) -> list[ReceivedMail]:
    """The mails with `subject` at the start, once the sink has them (the server hands them over a moment after the send)."""
    deadline = time.monotonic() + 5
    while not any(m.subject.startswith(subject) for m in sink.mails) and time.monotonic() < deadline:
        time.sleep(0.02)
    return [m for m in sink.mails if m.subject.startswith(subject)]


async def test_the_last_part_decided_by_its_flow_mails_the_applicant_the_lines_before_and_after(seeded: Engine, mail_sink: MailSink) -> None:
    with unit_of_work(seeded) as session:
        under_review(session, APP)
        apply_decision(session, APP, at=hel("2020-06-30 14:00"), actor="test")
        complete_duty(session, APP, "grant-acceptance", at=hel("2020-07-20 10:00"), actor="test")
        start_project(session, APP, at=hel("2020-09-01 09:00"), actor="test")
    lines = {1: 600_000 * EUR, 2: 930_000 * EUR, 3: 1_150_000 * EUR}
    submitted = await change_submission(APP, [PartInput(kind=ChangeKind.REALLOCATION, lines=lines)], "Rekrytointi viivästyi", at=hel("2020-12-01 10:00"))
    await change_decision(submitted.change_id, 1, PartDecision(outcome=ChangeOutcome.ACCEPTED, justification="Perusteltu"), at=hel("2020-12-15 12:00"))
    finnish = _received(mail_sink, "Muutoshakemus ratkaistu")
    assert finnish and "haettu 800 000 €, ennen 580 000 €, jälkeen 600 000 €" in finnish[0].body
