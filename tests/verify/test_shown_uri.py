"""URIs in reports: credential values hidden, ordinary parameters shown as they are."""

from migrate.verify.shown_uri import shown_uri


def test_a_credential_parameter_is_hidden_by_its_words() -> None:
    shown = shown_uri("https://h/v3/items?client_secret=s3cr3t&apiKey=k3y&design=blue&sku=A1")
    assert "s3cr3t" not in shown and "k3y" not in shown
    assert "design=blue" in shown and "sku=A1" in shown


def test_a_password_in_the_user_info_is_hidden() -> None:
    shown = shown_uri("https://id:pa55@h/v3/items")
    assert "pa55" not in shown and "id:***@h" in shown
