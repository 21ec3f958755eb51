from domain.redaction import redact, url_secrets


def test_a_password_in_any_url_is_masked() -> None:
    assert redact("failed: mailtos://user:hunter22@smtp.example.fi:465") == "failed: mailtos://user:***@smtp.example.fi:465"
    assert redact("postgresql+psycopg://gf:p%40ss@db/grantflow") == "postgresql+psycopg://gf:***@db/grantflow"


def test_known_secrets_are_masked_wherever_they_appear() -> None:
    url = "json://hooks.example.fi/notify?token=abcd1234efgh"
    text = f"could not post to {url}; token abcd1234efgh refused"
    assert redact(text, url_secrets(url)) == "could not post to ***; token abcd1234efgh refused"
    assert redact("password p@ss in plain text", url_secrets("mailto://u:p%40ss@host")) == "password *** in plain text"


def test_text_without_secrets_is_unchanged() -> None:
    assert redact("30.4.2020 klo 16.15 · 1 626 897 €", ["x"]) == "30.4.2020 klo 16.15 · 1 626 897 €"


def test_the_tail_of_a_password_with_an_unencoded_at_sign_is_masked_where_a_parser_takes_it_for_the_host() -> None:
    url = "postgresql+psycopg://gf:planted@tail-31@db.example.fi:5432/grantflow"
    secrets = url_secrets(url)
    assert redact("failed to resolve host 'tail-31@db.example.fi'", secrets) == "failed to resolve host '***'"
    assert redact("host tail-31@db.example.fi:5432 refused", secrets) == "host *** refused"
    assert redact("connecting as gf:planted", secrets) == "connecting as gf:***"
