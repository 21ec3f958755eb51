from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from domain import repository as repo
from domain.changes import LineChange
from domain.decision import apply_decision
from domain.model import ChangeRequest, DecisionLine, DutyPhase, Language
from domain.preparation import complete_duty
from domain.startup import start_project
from notifications.messages import TEMPLATES, _DutyView, _Line, _PartView, _shares, decision_messages, duty_title, render, submitted_messages
from notifications.recipients import Party, Role
from tests.helpers import hel, under_review


def test_a_partial_grant_message_lists_each_line_in_finnish(session: Session) -> None:
    under_review(session, "soite-ru-2020")
    apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    app = repo.application(session, "soite-ru-2020")
    decision = repo.decision_of(session, app.id)
    assert decision is not None
    messages = {m.recipient: m for m in decision_messages(session, app, decision)}
    finnish = messages["kehittamispaallikko@soite.example"]
    assert finnish.subject.startswith("Valtionavustus myönnetty osittain")
    assert "Myönnetty: 2 680 000 €" in finnish.body
    assert "1. Vapaaehtoinen alueellinen valmistelu ja hankekoordinaatio: 580 000 € (haettu 800 000 €)" in finnish.body
    assert "Avustuskausi: 1.7.2020–31.12.2022" in finnish.body
    assert "Avustuksen vastaanottoilmoitus: 30.7.2020 klo 16.15" in finnish.body
    swedish = messages["kommunikation@soite.example"]
    assert swedish.language == Language.SV and "Beviljat: 2 680 000 €" in swedish.body
    assert "valtionavustukset@stm.example" in messages


def test_each_recipient_gets_one_message_in_their_language(session: Session) -> None:
    app = repo.application(session, "ot-2020")
    messages = submitted_messages(session, app, hel("2020-04-30 10:00"))
    assert sorted((m.recipient, m.language) for m in messages) == [
        ("kehittamispaallikko@soite.example", Language.FI),
        ("kommunikation@soite.example", Language.SV),
        ("ot-project@ppshp.example", Language.EN),
        ("toimialuejohtaja@soite.example", Language.FI),
        ("valtionavustukset@stm.example", Language.FI),
    ]
    english = next(m for m in messages if m.language == Language.EN)
    assert "The call closes: 30 April 2020 at 16:15 Helsinki time" in english.body
    assert "€1,600,000" in english.body


TEMPLATE_NAMES = {language: sorted(path.stem for path in (TEMPLATES / language.value).glob("*.j2")) for language in Language}


def test_every_template_exists_in_all_three_languages() -> None:
    assert TEMPLATE_NAMES[Language.FI] != []
    assert TEMPLATE_NAMES[Language.SV] == TEMPLATE_NAMES[Language.EN] == TEMPLATE_NAMES[Language.FI]


Context = Callable[[str, Language], dict[str, object]]


@pytest.fixture
def context(session: Session) -> Context:
    """What each template is rendered with in a language, as the lifecycle renders it for Soite's partly granted, started project."""
    under_review(session, "soite-ru-2020")
    apply_decision(session, "soite-ru-2020", at=hel("2020-06-30 14:00"), actor="test")
    complete_duty(session, "soite-ru-2020", "grant-acceptance", at=hel("2020-07-15 10:00"), actor="test")
    project, _ = start_project(session, "soite-ru-2020", at=hel("2020-09-01 09:00"), actor="test")
    app = repo.application(session, "soite-ru-2020")
    decision = repo.decision_of(session, app.id)
    assert decision is not None
    sub_areas = {s.id: s for s in repo.sub_areas(session, app.id)}
    lines = sorted(
        (_Line(number=sub_areas[line.sub_area_id].number, name=sub_areas[line.sub_area_id].name,
               requested_cents=sub_areas[line.sub_area_id].requested_cents, granted_cents=line.granted_cents)
         for line in session.exec(select(DecisionLine).where(DecisionLine.decision_id == decision.id))),
        key=lambda line: line.number,
    )
    assert lines != []
    duties = {phase: repo.duties(session, app.id, phase) for phase in (DutyPhase.STARTUP, DutyPhase.REPORTING)}
    plan = next(d for d in repo.duties(session, app.id) if d.kind == "project-plan")
    change = ChangeRequest(id=1, application_id=app.id, reason="Rekrytointi viivästyi", submitted_at=hel("2020-12-01 10:00"), submitted_by="soite",
                           decided_at=hel("2020-12-15 12:00"))
    moved = [LineChange(number=line.number, name=line.name, requested_cents=line.requested_cents, before_cents=line.granted_cents,
                        after_cents=line.granted_cents) for line in lines]
    parts = [_PartView(number=1, kind="extension", outcome="accepted_with_changes", justification="Perusteltu", duty="Vuosiraportti 2020",
                       due_at=hel("2021-04-30 16:15")),
             _PartView(number=2, kind="reallocation", outcome="accepted", justification="Perusteltu", lines=moved),
             _PartView(number=3, kind="content", outcome="rejected", justification="Ei perusteltu", content="Koulutukset verkossa"),
             _PartView(number=4, kind="participant", outcome="accepted", justification="Perusteltu", leaving="Soite", joining="Lapin liitto")]

    def of(template: str, language: Language) -> dict[str, object]:
        def views(phase: DutyPhase) -> list[_DutyView]:
            return [_DutyView(title=duty_title(d.kind, d.title, language), due_at=d.due_at) for d in duties[phase]]

        lead = {"app": app, "party": Party(role=Role.LEAD), "own": None, "shares": _shares(session, app, decision)}
        deadline = {"app": app, "title": duty_title(plan.kind, plan.title, language), "kind": "duty", "due_at": plan.due_at, "escalated": True}
        contexts: dict[str, dict[str, object]] = {
            "submitted": {**lead, "call": repo.call_of(session, app), "at": hel("2020-04-30 15:40"), "duties": []},
            "decision": {**lead, "decision": decision, "lines": lines, "duties": views(DutyPhase.STARTUP)},
            "started": {**lead, "project": project, "at": project.started_at, "duties": views(DutyPhase.REPORTING)},
            "reminder": {**deadline, "days": 3},
            "overdue": {**deadline, "days": -2},
            "late-decision": {**lead, "since": hel("2020-04-30 16:15"), "days": 71, "duties": []},
            "unconfirmed-startup": {**lead, "since": decision.applied_at, "days": 91, "duties": views(DutyPhase.STARTUP)},
            "change_decided": {**lead, "change": change, "parts": parts, "duties": []},
        }
        return contexts[template]

    return of


@pytest.mark.parametrize("template", TEMPLATE_NAMES[Language.FI])
def test_every_template_renders_in_every_language_naming_the_application(context: Context, template: str) -> None:
    rendered = {language: render(template, language, **context(template, language)) for language in Language}
    for language, (subject, body) in rendered.items():
        assert subject and "\n" not in subject, (language, subject)
        assert "soite-ru-2020" in subject + body and "None" not in subject + body, (language, body)
    assert len({subject for subject, _ in rendered.values()}) == len(Language)


@pytest.mark.parametrize("title", ["Liite\nBcc: x@y.example", "Liite\r\nBcc: x@y.example", "Liite\rBcc: x@y.example", "Liite\u2028Bcc: x@y.example"])
def test_a_line_break_in_a_title_is_folded_in_the_subject_and_cuts_nothing(session: Session, title: str) -> None:
    app = repo.application(session, "lappi-fsc-2020")
    subject, body = render("reminder", Language.FI, app=app, title=title, kind="duty", due_at=hel("2020-04-30 16:15"), days=3, escalated=False)
    assert subject == "Muistutus: Liite Bcc: x@y.example – määräaika 30.4.2020 klo 16.15 (Suomen aikaa)"
    assert body.startswith(f'Hakemukselta "{app.title}" (lappi-fsc-2020) odotetaan: Liite\nBcc: x@y.example.\n')
