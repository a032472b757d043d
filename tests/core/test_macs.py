"""`HmacSha256` (the key set up once) gives the bytes `hmac.digest` gives: tokens already handed out, and the
replicas of a rolling upgrade still on the version before, read the same MACs. Pinned to RFC 4231's published
vectors and to Slack's documented request-signing example, so it cannot only agree with itself."""

from __future__ import annotations

import hmac
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.core.macs import HmacSha256

#: RFC 4231, HMAC-SHA-256 test cases 1 (a 20-byte key) and 6 (a 131-byte key: longer than a block, hashed first).
RFC_4231 = [
    (b"\x0b" * 20, b"Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (b"\xaa" * 131, b"Test Using Larger Than Block-Size Key - Hash Key First",
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
]


def test_rfc_4231_vectors() -> None:
    for key, message, expected in RFC_4231:
        assert HmacSha256(key).digest(message).hex() == expected


def test_slacks_documented_signature_example() -> None:
    """docs.slack.dev, "Verifying requests from Slack": the example secret, timestamp, slash-command body and the
    signature Slack shows for them (the same vector is quoted by slack_sdk users' tests in several languages)."""
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    body = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
    digest = HmacSha256(secret.encode()).digest(b"v0:1531420618:" + body.encode())
    assert "v0=" + digest.hex() == "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


@settings(max_examples=300, deadline=None)
@given(key=st.binary(min_size=0, max_size=200), messages=st.lists(st.binary(max_size=300), min_size=1, max_size=4))
def test_the_same_bytes_as_hmac_digest(key: bytes, messages: list[bytes]) -> None:
    mac = HmacSha256(key)
    for message in messages:  # several messages under one key: each call starts from the key's own states
        assert mac.digest(message) == hmac.digest(key, message, "sha256")


def test_keys_at_the_block_edges() -> None:
    for size in (0, 1, 32, 63, 64, 65, 128):
        key = bytes(range(size))
        assert HmacSha256(key).digest(b"m") == hmac.digest(key, b"m", "sha256")


def test_shared_between_threads() -> None:
    mac = HmacSha256(b"k" * 32)
    wrong: list[bytes] = []

    def work(n: int) -> None:
        for i in range(2_000):
            message = f"{n}:{i}".encode()
            if mac.digest(message) != hmac.digest(b"k" * 32, message, "sha256"):
                wrong.append(message)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_its_repr_shows_no_key() -> None:
    assert repr(HmacSha256(b"k" * 32)) == "HmacSha256(<key>)"


def test_a_signer_still_copies_and_pickles() -> None:
    """hashlib's states cannot be pickled or deep-copied; a Signer (which holds one) still can, as before."""
    import copy
    import pickle

    from handlers.core.signing import Signer

    signer = Signer(b"k" * 32)
    token = signer.sign("x", purpose="p")
    for other in (copy.copy(signer), copy.deepcopy(signer), pickle.loads(pickle.dumps(signer))):  # noqa: S301
        assert other == signer and other.unsign(token, purpose="p") == "x"
