"""The official OpenFeature Python SDK with its OFREP provider, unmodified,
against a running Relais. Run by the Rust test `runtime::ofrep`, which starts
the server and passes, in the environment: RELAIS_URL, RELAIS_TOKEN
(runtime:read), AGENT_ON (failover on and configured) with EXPECTED (its
runtime document, as JSON), AGENT_OFF (its account's failover is off).
Exits non-zero on the first difference."""

import json
import os

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext
from openfeature.exception import ErrorCode
from openfeature.flag_evaluation import Reason

env = os.environ
expected = json.loads(env["EXPECTED"])
fallback = {"fallback": True}


def client(domain, token):
    provider = OFREPProvider(
        env["RELAIS_URL"],
        headers_factory=lambda: {"Authorization": f"Bearer {token}"},
        timeout=10.0,
    )
    api.set_provider(provider, domain)
    return api.get_client(domain)


def check(what, got, want):
    assert got == want, f"{what}: got {got!r}, expected {want!r}"


relais = client("relais", env["RELAIS_TOKEN"])

# The document of a configured agent, as the runtime GET gives it.
on = relais.get_object_details("failover", fallback, EvaluationContext(env["AGENT_ON"]))
check("document", on.value, expected)
check("reason", on.reason, Reason.TARGETING_MATCH)
check("variant", on.variant, expected["action"]["type"])
check("error", on.error_code, None)
check("revision", on.flag_metadata.get("revision"), expected["revision"])
check(
    "value",
    relais.get_object_value("failover", fallback, EvaluationContext(env["AGENT_ON"])),
    expected,
)

# Failover off for the account: the caller's default, reason DISABLED.
off = relais.get_object_details("failover", fallback, EvaluationContext(env["AGENT_OFF"]))
check("flag off: value", off.value, fallback)
check("flag off: reason", off.reason, Reason.DISABLED)
check("flag off: error", off.error_code, None)

# No such agent, no targeting key, another flag: the protocol's error codes.
unknown = relais.get_object_details("failover", fallback, EvaluationContext("no-such-agent"))
check("unknown agent: value", unknown.value, fallback)
check("unknown agent: error", unknown.error_code, ErrorCode.FLAG_NOT_FOUND)
missing = relais.get_object_details("failover", fallback, EvaluationContext())
check("no targeting key: value", missing.value, fallback)
check("no targeting key: error", missing.error_code, ErrorCode.TARGETING_KEY_MISSING)
other = relais.get_boolean_details("dark-mode", False, EvaluationContext(env["AGENT_ON"]))
check("another flag: error", other.error_code, ErrorCode.FLAG_NOT_FOUND)

# A bad token: the SDK's error, and the default.
bad = client("bad-token", "relais_rt_not-a-real-token")
refused = bad.get_object_details("failover", fallback, EvaluationContext(env["AGENT_ON"]))
check("bad token: value", refused.value, fallback)
check("bad token: reason", refused.reason, Reason.ERROR)
check("bad token: error", refused.error_code, ErrorCode.GENERAL)

api.shutdown()
print("OpenFeature Python SDK: all checks passed")
