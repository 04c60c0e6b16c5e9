"""Approval links: the signature covers id, decision and expiry; the id is fixed by the task token."""

from urllib.parse import parse_qsl, urlsplit

import pytest

from upgrade.approval.gate import approval_links, cli_command
from upgrade.approval.links import LinkFields, nonce_for, parse_fields, signed, signing_key, verify
from upgrade.shared.errors import ApprovalGone, ApprovalLinkInvalid, ApprovalLinkMalformed

KEY = signing_key("k" * 40)
NOW = 1_700_000_000
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAeXample+token/with=padding"


def fields_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def genuine(decision: str = "approve", expires: int = NOW + 3600) -> LinkFields:
    return signed(nonce_for(TOKEN, KEY), decision, expires, KEY)  # type: ignore[arg-type]


def test_the_same_token_always_gives_the_same_short_urlsafe_nonce():
    nonce = nonce_for(TOKEN, KEY)
    assert nonce == nonce_for(TOKEN, KEY)
    assert len(nonce) == 22
    assert set(nonce) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert nonce != nonce_for(TOKEN + "x", KEY)
    assert nonce != nonce_for(TOKEN, signing_key("j" * 40))


def test_a_genuine_link_verifies():
    verify(genuine(), KEY, NOW)
    verify(genuine("reject"), KEY, NOW)


@pytest.mark.parametrize(
    "tampered",
    [
        {"id": "A" * 22},
        {"decision": "reject"},  # an approve link turned into a reject link
        {"expires": NOW + 7 * 86_400},  # a link given a longer life
        {"sig": "0" * 64},
    ],
    ids=["id", "decision", "expires", "sig"],
)
def test_changing_any_signed_field_is_refused(tampered):
    link = genuine().model_copy(update=tampered)
    with pytest.raises(ApprovalLinkInvalid):
        verify(link, KEY, NOW)


def test_a_link_signed_with_another_key_is_refused():
    with pytest.raises(ApprovalLinkInvalid):
        verify(genuine(), signing_key("j" * 40), NOW)


def test_an_expired_link_is_gone_but_a_forged_expired_link_is_still_forbidden():
    with pytest.raises(ApprovalGone):
        verify(genuine(expires=NOW - 1), KEY, NOW)
    with pytest.raises(ApprovalGone):
        verify(genuine(expires=NOW), KEY, NOW)
    with pytest.raises(ApprovalLinkInvalid):  # the signature is judged before the expiry
        verify(genuine(expires=NOW - 1).model_copy(update={"sig": "f" * 64}), KEY, NOW)


def test_links_carry_the_four_fields_and_round_trip():
    links = approval_links(TOKEN, nonce_for(TOKEN, KEY), NOW + 600, KEY, "https://abc.lambda-url.us-east-1.on.aws/")
    approve, reject = fields_of(links.approve_url), fields_of(links.reject_url)
    assert links.approve_url.startswith("https://abc.lambda-url.us-east-1.on.aws/?id=")
    assert approve["decision"] == "approve" and reject["decision"] == "reject"
    assert approve["id"] == reject["id"] == nonce_for(TOKEN, KEY)
    assert approve["expires"] == str(NOW + 600)
    assert approve["sig"] != reject["sig"]
    for query in (approve, reject):
        verify(parse_fields(query), KEY, NOW)
    assert links.expires_at == "2023-11-14T22:23:20+00:00"


def test_a_base_url_with_a_query_gets_the_fields_appended():
    links = approval_links(TOKEN, "n" * 22, NOW, KEY, "https://example.test/approve?tenant=a")
    assert links.approve_url.startswith("https://example.test/approve?tenant=a&id=")


def test_the_cli_equivalent_quotes_the_token():
    assert cli_command("tok'en", "reject") == (
        "aws stepfunctions send-task-success --task-token 'tok'\"'\"'en' --task-output '{\"decision\":\"reject\"}'"
    )
    links = approval_links(TOKEN, "n" * 22, NOW, KEY, "https://x.test/")
    assert f"--task-token '{TOKEN}'" in links.cli_approve
    assert links.cli_approve.endswith("""--task-output '{"decision":"approve"}'""")


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"id": "n" * 22, "decision": "approve", "expires": str(NOW)},  # no sig
        {"id": "n" * 22, "decision": "maybe", "expires": str(NOW), "sig": "0" * 64},
        {"id": "n" * 22, "decision": "approve", "expires": "soon", "sig": "0" * 64},
        {"id": "<script>", "decision": "approve", "expires": str(NOW), "sig": "0" * 64},
        {"id": "n" * 22, "decision": "approve", "expires": str(NOW), "sig": "Z" * 64},
    ],
)
def test_garbled_links_are_malformed(query):
    with pytest.raises(ApprovalLinkMalformed):
        parse_fields(query)


def test_a_short_signing_key_is_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        signing_key("short")
