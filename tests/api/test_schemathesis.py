"""Property-based tests of the published OpenAPI document (schemathesis 4): whatever the input, no
5xx, and every response (status, content type, body) conforms to the schema. Run as an agent of
F101, a citizen and an institution agent, so both the allowed and the refused paths are exercised.

``positive_data_acceptance`` is left out: a national number with a wrong check digit is a 400 by
design, and no schema pattern can express a mod-97 checksum.

The schema is loaded from the running application of the ``world`` fixture (its lifespan holds the
database), and each operation's strategy is driven by hypothesis directly: schemathesis' pytest
plugin does not combine with the database fixtures' parametrisation by backend.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import World

# The development issuer's token endpoint rate-limits by design (its 429 is documented and tested).
EXCLUDED = r"^/dev/oidc/token"
EXAMPLES = 12


@pytest.mark.parametrize("who", ["agent_f1", "alice", "institution"])
def test_api_conforms_to_its_schema(world: World, who: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", world.client.app).exclude(path_regex=EXCLUDED)  # type: ignore[attr-defined]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14
    token = world.tokens[who]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: schemathesis.Case) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
