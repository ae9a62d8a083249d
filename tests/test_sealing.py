import pytest
from cryptography.hazmat.primitives import serialization

from core.sealing import SealingError, generate_key_pair, load_public_key, seal, unseal


def _keys(tmp_path):
    private_path, public_path = generate_key_pair(tmp_path)
    private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
    return private, load_public_key(public_path)


def test_sealed_answers_open_only_with_the_private_key(tmp_path, residents):
    private, public = _keys(tmp_path)
    payload = {"name": residents[3]["name"], "address": residents[4]["address"]}  # 𠮷, 葛󠄀
    sealed = seal(payload, public, "app-1")
    assert residents[3]["name"].encode() not in sealed
    assert unseal(sealed, private, "app-1") == payload


def test_sealed_payload_cannot_be_moved_to_another_application(tmp_path):
    private, public = _keys(tmp_path)
    sealed = seal({"a": 1}, public, "app-1")
    with pytest.raises(SealingError):
        unseal(sealed, private, "app-2")


def test_tampering_is_detected(tmp_path):
    private, public = _keys(tmp_path)
    sealed = bytearray(seal({"a": 1}, public, "app-1"))
    sealed[-5] ^= 1
    with pytest.raises(SealingError):
        unseal(bytes(sealed), private, "app-1")


def test_key_pair_is_created_once_with_a_private_file(tmp_path):
    first = generate_key_pair(tmp_path)
    content = first[0].read_bytes()
    generate_key_pair(tmp_path)
    assert first[0].read_bytes() == content
    assert first[0].stat().st_mode & 0o777 == 0o600


def test_not_a_key_is_a_clear_error(tmp_path):
    bogus = tmp_path / "public.pem"
    bogus.write_text("hello")
    with pytest.raises(SealingError, match="not a readable PEM public key"):
        load_public_key(bogus)
