"""Every message exists in fr, nl, de and en with the same placeholders, and every code has one."""

from __future__ import annotations

import pytest

from statut.rules import CapacityCode, CaseErrorCode, Outcome, load_parameters
from statut.rules.messages import LANGUAGES, load_messages, message, placeholders
from statut.rules.rights.bridging import BridgingReason
from statut.rules.rights.incapacity import IncapacityReason
from statut.rules.rights.maternity import MaternityReason
from statut.rules.rights.pension import PensionReason

MESSAGES = load_messages()


@pytest.mark.parametrize("key", sorted(MESSAGES))
def test_every_message_has_every_language_and_the_same_placeholders(key: str) -> None:
    texts = MESSAGES[key]
    assert set(texts) == set(LANGUAGES), f"{key} lacks {set(LANGUAGES) - set(texts)}"
    assert all(text.strip() for text in texts.values())
    expected = placeholders(texts["en"])
    for lang in LANGUAGES:
        assert placeholders(texts[lang]) == expected, f"{key} [{lang}]"
        message(key, lang, **dict.fromkeys(expected, "X"))


def test_every_code_the_engine_can_produce_has_a_message() -> None:
    keys = {f"error.{code.name.lower()}" for code in CaseErrorCode if code is not CaseErrorCode.NONE}
    keys |= {f"capacity.{code.capacity.value}" for code in CapacityCode}
    keys |= {outcome.message_key for outcome in Outcome}
    for right, reasons in [
        ("maternity", MaternityReason),
        ("bridging", BridgingReason),
        ("pension", PensionReason),
        ("incapacity", IncapacityReason),
    ]:
        keys |= {f"rights.{right}.{str(reason.name).lower()}" for reason in reasons}
        keys.add(f"rights.title.{right}")
    missing = keys - set(MESSAGES)
    assert not missing, f"messages missing: {sorted(missing)}"


def test_every_parameter_label_exists_in_each_language() -> None:
    parameters = load_parameters()
    for name in parameters:
        label = parameters[name].label
        assert all(label[lang].strip() for lang in LANGUAGES), name
