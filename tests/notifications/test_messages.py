import pytest
from sqlmodel import Session

from domain import repository as repo
from domain.decision import apply_decision
from domain.model import Language
from notifications.messages import decision_messages, render, submitted_messages
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


def test_every_template_exists_in_all_three_languages(session: Session) -> None:
    app = repo.application(session, "soite-fsc-2020")
    call = repo.call_of(session, app)
    lead = Party(role=Role.LEAD)
    subjects = {render("submitted", lang, app=app, call=call, at=hel("2020-04-30 15:40"), duties=[], party=lead, own=None, shares=[])[0] for lang in Language}
    assert subjects == {
        "Hakemus vastaanotettu: Soite 2.0 – Tulevaisuuden sote-keskus",
        "Ansökan mottagen: Soite 2.0 – Tulevaisuuden sote-keskus",
        "Application received: Soite 2.0 – Tulevaisuuden sote-keskus",
    }


@pytest.mark.parametrize("title", ["Liite\nBcc: x@y.example", "Liite\r\nBcc: x@y.example", "Liite\rBcc: x@y.example", "Liite\u2028Bcc: x@y.example"])
def test_a_line_break_in_a_title_is_folded_in_the_subject_and_cuts_nothing(session: Session, title: str) -> None:
    app = repo.application(session, "lappi-fsc-2020")
    subject, body = render("reminder", Language.FI, app=app, title=title, kind="duty", due_at=hel("2020-04-30 16:15"), days=3, escalated=False)
    assert subject == "Muistutus: Liite Bcc: x@y.example – määräaika 30.4.2020 klo 16.15 (Suomen aikaa)"
    assert body.startswith(f'Hakemukselta "{app.title}" (lappi-fsc-2020) odotetaan: Liite\nBcc: x@y.example.\n')
