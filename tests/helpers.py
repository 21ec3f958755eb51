"""Small helpers for writing times and driving the seed scenario in tests."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from domain.calendar import helsinki_instant
from domain.preparation import complete_duty
from domain.submission import begin_review, submit_application


def hel(text: str) -> datetime:
    """Helsinki wall time written as `2020-04-30 16:14:59`."""
    return helsinki_instant(datetime.fromisoformat(text))


def submit_seed(session: Session, application_id: str, at: str = "2020-04-30 12:00") -> None:
    """Deliver the submission documents and submit, as the applicant did in spring 2020."""
    complete_duty(session, application_id, "project-plan", at=hel("2020-04-20 09:00"), actor="test")
    if application_id == "lappi-fsc-2020":
        complete_duty(session, application_id, "budget", at=hel("2020-04-20 09:00"), actor="test")
    submit_application(session, application_id, at=hel(at), actor="test")


def under_review(session: Session, *application_ids: str) -> None:
    for application_id in application_ids:
        submit_seed(session, application_id)
    for call in ("fsc-2020", "ru-2020"):
        begin_review(session, call, at=hel("2020-05-04 08:00"), actor="test")
    session.commit()
