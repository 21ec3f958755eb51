from sqlalchemy.engine import Engine

from flows.alerts import overdue_checks
from grantflow.mailsink import MailSink
from tests.helpers import hel


async def test_the_daily_check_tells_the_officer_of_each_late_decision_once(undecided: Engine, mail_sink: MailSink) -> None:
    first = await overdue_checks(hel("2020-07-10 08:00"))
    again = await overdue_checks(hel("2020-07-11 08:00"))
    assert [a.application_id for a in first.alerts] == ["soite-fsc-2020", "soite-ru-2020"]
    assert len(first.notifications) == 2 and again.notifications == []
    # The checks return once the SMTP server took each notice.
    assert sorted(m.subject.split(" (")[-1] for m in mail_sink.mails) == ["soite-fsc-2020)", "soite-ru-2020)"]
    assert all(m.subject.startswith("Päätös puuttuu: ") for m in mail_sink.mails)
    assert all(m.recipients == ["valtionavustukset@stm.example"] for m in mail_sink.mails)
