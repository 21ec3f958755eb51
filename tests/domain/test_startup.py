from datetime import date

import pytest
from sqlmodel import Session

from domain import repository as repo
from domain.decision import apply_decision
from domain.errors import RuleViolation
from domain.model import DutyPhase, Stage
from domain.preparation import complete_duty
from domain.startup import start_project
from tests.helpers import hel, under_review


@pytest.fixture
def granted(session: Session) -> Session:
    under_review(session, "soite-ru-2020")
    apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    return session


def test_a_project_cannot_start_before_the_grant_is_accepted(granted: Session) -> None:
    with pytest.raises(RuleViolation, match="has not been delivered") as refused:
        start_project(granted, "soite-ru-2020", at=hel("2020-09-01 09:00"), actor="test")
    assert refused.value.field == "documents[grant-acceptance]"


def test_a_started_project_has_the_grant_period_and_reporting_deadlines(granted: Session) -> None:
    complete_duty(granted, "soite-ru-2020", "grant-acceptance", at=hel("2020-07-20 10:00"), actor="test")
    project, _ = start_project(granted, "soite-ru-2020", at=hel("2020-09-01 09:00"), actor="test")
    assert (project.period_start, project.period_end) == (date(2020, 7, 1), date(2022, 12, 31))
    assert repo.application(granted, "soite-ru-2020").stage == Stage.STARTED
    reports = {d.kind: d.due_at for d in repo.duties(granted, "soite-ru-2020", DutyPhase.REPORTING)}
    # 31.3.2021 is a Wednesday; 30.4.2023 a Sunday, so the final report moves to Tuesday 2.5.2023 (1.5. is May Day).
    assert reports == {
        "annual-report-2020": hel("2021-03-31 16:15"),
        "annual-report-2021": hel("2022-03-31 16:15"),
        "final-report": hel("2023-05-02 16:15"),
    }


def test_a_project_under_review_cannot_start(session: Session) -> None:
    under_review(session, "soite-fsc-2020")
    with pytest.raises(RuleViolation, match="only a granted application can start"):
        start_project(session, "soite-fsc-2020", at=hel("2020-09-01 09:00"), actor="test")
