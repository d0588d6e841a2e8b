"""The one text type of every API input.

Lives outside ``statut.api.v1`` so that ``deps`` and ``dev_oidc`` can use it without importing the
v1 package (which imports them: a cycle).
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_CONTROL_CHARACTERS_ANYWHERE = re.compile(r"[\x00-\x1f\x7f]")


def _no_control_characters(value: str) -> str:
    """Refuse C0 control characters and DEL (NUL above all: PostgreSQL cannot store it in text, and
    nothing a person types needs them). Line breaks and tabs are refused too: every text input of this
    API is a one-line value (names, references, ids, search terms)."""
    found = _CONTROL_CHARACTERS_ANYWHERE.search(value)
    if found is not None:
        raise ValueError(
            f"control character U+{ord(found.group()):04X} at position {found.start()} is not allowed in text"
        )
    return value


#: Every text input of the API (path, query, header, form and body fields) is of this type, so a NUL
#: byte or another control character is a 422 naming the character, before any service sees it.
SafeText = Annotated[str, AfterValidator(_no_control_characters)]
