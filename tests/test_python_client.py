"""The typed Python client (clients/python/) drives an order to VALID: its README's example.

The README's first code block names the settings (base URL, API client, partner, buyer VAT
number, a PDF); the test gives them for a fresh tenant of the test stack and runs the second
block, the example itself, as an integrator would copy it. The example is synchronous, so it
runs in a thread beside the stack's event loop.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from tests.conftest import Stack
from tests.order_flow import pdf, seller_session

CLIENT = Path(__file__).resolve().parent.parent / "clients" / "python"
README = CLIENT / "README.md"


def example_blocks() -> tuple[str, str]:
    settings, example = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return settings, example


async def test_the_readme_example_takes_an_order_to_valid_through_the_client(stack: Stack):
    tenant, http = await seller_session(stack)
    await http.aclose()
    settings, example = example_blocks()
    given = {
        "BASE_URL": stack.base_url,
        "CLIENT_ID": tenant.client_id,
        "CLIENT_SECRET": tenant.client_secret,
        "SELLER_ID": str(tenant.partner.uuid),
        "BUYER_VAT": "FR88100000009",
        "PDF": pdf("nt24-client"),
    }
    assert set(re.findall(r"^([A-Z_]+) =", settings, re.M)) == set(given)
    if str(CLIENT) not in sys.path:
        sys.path.insert(0, str(CLIENT))  # as `pip install ./clients/python` would
    namespace = dict(given)
    code = compile(example, str(README), "exec")
    await asyncio.to_thread(exec, code, namespace)

    rollup, export, content = namespace["rollup"], namespace["export"], namespace["content"]
    assert rollup.compliance_status == "VALID", rollup.blockers
    assert rollup.decision == "VALID_EXPORT"
    assert export.status == "READY" and export.version == 1
    content.payload.seek(0)
    assert content.payload.read().startswith(b"%PDF")
    # typed answers, not dicts
    assert type(namespace["order"]).__module__ == "nt24_client.models.order_out"
