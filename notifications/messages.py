"""Rendering lifecycle messages from the templates, one per recipient in that recipient's language."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from pydantic import BaseModel
from sqlmodel import Session, select

from domain import repository as repo
from domain.alerts import Alert
from domain.formatting import format_date, format_instant, format_money
from domain.model import Application, Contact, Decision, DecisionLine, DecisionShare, Duty, DutyPhase, Language, Organisation, Project
from notifications.headers import one_line
from notifications.outbox import OutgoingMessage
from notifications.recipients import applicant_contacts, officer, participant_contacts, targets

TEMPLATES = Path(__file__).parent / "templates"

# Titles of the duties grantflow creates itself; imported duties keep the title they came with.
DUTY_TITLES: dict[str, dict[Language, str]] = {
    "grant-acceptance": {
        Language.FI: "Avustuksen vastaanottoilmoitus",
        Language.SV: "Meddelande om mottagande av understödet",
        Language.EN: "Acceptance of the grant and its terms",
    },
    "revised-plan": {
        Language.FI: "Myönnettyyn summaan tarkistettu hankesuunnitelma ja talousarvio",
        Language.SV: "Projektplan och budget reviderade till det beviljade beloppet",
        Language.EN: "Project plan and budget revised to the granted amount",
    },
    "steering-group": {
        Language.FI: "Hankkeen ohjausryhmän asettaminen",
        Language.SV: "Tillsättande av projektets styrgrupp",
        Language.EN: "Project steering group appointed",
    },
    "final-report": {Language.FI: "Loppuraportti", Language.SV: "Slutrapport", Language.EN: "Final report"},
}
_ANNUAL = {Language.FI: "Vuosiraportti", Language.SV: "Årsrapport", Language.EN: "Annual report"}


def duty_title(kind: str, title: str, language: Language) -> str:
    if kind in DUTY_TITLES:
        return DUTY_TITLES[kind][language]
    if kind.startswith("annual-report-"):
        return f"{_ANNUAL[language]} {kind.rsplit('-', 1)[1]}"
    return title


class _Line(BaseModel):
    number: int
    name: str
    requested_cents: int
    granted_cents: int


class _Share(BaseModel):
    name: str
    granted_cents: int


class _DutyView(BaseModel):
    title: str
    due_at: datetime


# A line break inside a value stands apart from the template's own lines while rendering: in the
# subject (the first line) it is folded to a space, in the body it is a line break again.
_VALUE_BREAK = "\ue000"
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def _apart(value: Any) -> Any:
    return _LINE_BREAKS.sub(_VALUE_BREAK, value) if isinstance(value, str) else value


_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True,
                   finalize=_apart)
_env.filters["money"] = lambda cents, lang: format_money(cents, Language(lang))
_env.filters["instant"] = lambda moment, lang: format_instant(moment, Language(lang))
_env.filters["day"] = lambda day, lang: format_date(day, Language(lang))


def render(template: str, language: Language, **context: Any) -> tuple[str, str]:
    """Subject (the template's first line) and body in `language`."""
    text = _env.get_template(f"{language.value}/{template}.j2").render(lang=language.value, **context)
    subject, _, body = text.partition("\n")
    return one_line(subject.replace(_VALUE_BREAK, " ")), body.replace(_VALUE_BREAK, "\n").strip() + "\n"


def _messages(
    kind: str, app: Application, recipients: list[Contact | None], duties: list[Duty] | None = None, **context: Any
) -> list[OutgoingMessage]:
    out: list[OutgoingMessage] = []
    for target in targets(recipients):
        views = [_DutyView(title=duty_title(d.kind, d.title, target.language), due_at=d.due_at) for d in duties or []]
        subject, body = render(kind, target.language, app=app, duties=views, **context)
        out.append(
            OutgoingMessage(
                key=f"{kind}:{app.id}:{target.address}",
                application_id=app.id,
                recipient=target.address,
                language=target.language,
                subject=subject,
                body=body,
            )
        )
    return out


def submitted_messages(session: Session, app: Application, at: datetime) -> list[OutgoingMessage]:
    recipients = [*applicant_contacts(session, app), officer(session, app)]
    return _messages("submitted", app, recipients, call=repo.call_of(session, app), at=at)


def decision_messages(session: Session, app: Application, decision: Decision) -> list[OutgoingMessage]:
    """The applicant, a joint project's participants and the officer hear of the decision."""
    sub_areas = {s.id: s for s in repo.sub_areas(session, app.id)}
    lines = [
        _Line(number=sub_areas[line.sub_area_id].number, name=sub_areas[line.sub_area_id].name,
              requested_cents=sub_areas[line.sub_area_id].requested_cents, granted_cents=line.granted_cents)
        for line in session.exec(select(DecisionLine).where(DecisionLine.decision_id == decision.id))
    ]
    participants = {p.id: p for p in repo.participants(session, app.id)}
    shares = [
        _Share(name=session.get(Organisation, participants[s.participant_id].organisation_id).name, granted_cents=s.granted_cents)  # type: ignore[union-attr]
        for s in session.exec(select(DecisionShare).where(DecisionShare.decision_id == decision.id))
    ]
    recipients = [*applicant_contacts(session, app), *participant_contacts(session, app), officer(session, app)]
    lines.sort(key=lambda line: line.number)
    duties = repo.duties(session, app.id, DutyPhase.STARTUP)
    return _messages("decision", app, recipients, duties, decision=decision, lines=lines, shares=shares)


def started_messages(session: Session, app: Application, project: Project, at: datetime) -> list[OutgoingMessage]:
    duties = repo.duties(session, app.id, DutyPhase.REPORTING)
    recipients = [*applicant_contacts(session, app), *participant_contacts(session, app), officer(session, app)]
    return _messages("started", app, recipients, duties, project=project, at=at)


def alert_messages(session: Session, alert: Alert) -> list[OutgoingMessage]:
    """An alert goes to the call's officer, once per application and kind."""
    app = repo.application(session, alert.application_id)
    duties = [d for d in repo.duties(session, app.id, DutyPhase.STARTUP) if d.done_at is None]
    return _messages(alert.kind.value, app, [officer(session, app)], duties, since=alert.since, days=alert.days)
