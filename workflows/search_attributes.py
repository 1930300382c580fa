"""Custom search attributes: operators find any workflow in the Temporal UI by its business keys.

Registered by the dev stack, by docker-compose and by the tests; set by the workflows and at
start.
"""

from temporalio.common import SearchAttributeKey

ORGANIZATION = SearchAttributeKey.for_keyword("NT24OrganizationUuid")
PARTNER = SearchAttributeKey.for_keyword("NT24PartnerUuid")
EXTERNAL_ORDER_ID = SearchAttributeKey.for_keyword("NT24ExternalOrderId")
VINS = SearchAttributeKey.for_keyword_list("NT24Vins")
BUYER_VAT_NUMBER = SearchAttributeKey.for_keyword("NT24BuyerVatNumber")
ORDER_STATUS = SearchAttributeKey.for_keyword("NT24OrderStatus")
COMPLIANCE_STATUS = SearchAttributeKey.for_keyword("NT24ComplianceStatus")
# Set at start by the API and the activities that start workflows (activities/
# workflow_metadata.py): the NOTYD payment order (its external order uid is EXTERNAL_ORDER_ID),
# an invoice's dunning, a webhook delivery's endpoint and event. BUYER_VAT_NUMBER also finds a
# buyer's KYC verification, VIES check and self-service invitation. The SQL visibility store
# of the dev server and of Temporal on PostgreSQL takes at most 10 Keyword attributes: these
# are 10; DUNNING_STATUS is an Int.
PAYMENT_ORDER_UUID = SearchAttributeKey.for_keyword("NT24PaymentOrderUuid")
INVOICE_NUMBER = SearchAttributeKey.for_keyword("NT24InvoiceNumber")
DUNNING_STATUS = SearchAttributeKey.for_int("NT24DunningStatus")
WEBHOOK_ENDPOINT_ID = SearchAttributeKey.for_keyword("NT24WebhookEndpointId")
EVENT_TYPE = SearchAttributeKey.for_keyword("NT24EventType")

ALL = (
    ORGANIZATION,
    PARTNER,
    EXTERNAL_ORDER_ID,
    VINS,
    BUYER_VAT_NUMBER,
    ORDER_STATUS,
    COMPLIANCE_STATUS,
    PAYMENT_ORDER_UUID,
    INVOICE_NUMBER,
    DUNNING_STATUS,
    WEBHOOK_ENDPOINT_ID,
    EVENT_TYPE,
)


def cli_flags() -> list[str]:
    """``--search-attribute`` flags for ``temporal server start-dev``."""
    kinds = {"KEYWORD": "Keyword", "KEYWORD_LIST": "KeywordList", "TEXT": "Text", "INT": "Int"}
    flags = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags
