"""Custom search attributes: operators find any order in the Temporal UI by its business keys.

Registered by the dev stack, by docker-compose and by the tests; set by the workflows.
"""

from temporalio.common import SearchAttributeKey

ORGANIZATION = SearchAttributeKey.for_keyword("NT24OrganizationUuid")
PARTNER = SearchAttributeKey.for_keyword("NT24PartnerUuid")
EXTERNAL_ORDER_ID = SearchAttributeKey.for_keyword("NT24ExternalOrderId")
VINS = SearchAttributeKey.for_keyword_list("NT24Vins")
BUYER_VAT_NUMBER = SearchAttributeKey.for_keyword("NT24BuyerVatNumber")
ORDER_STATUS = SearchAttributeKey.for_keyword("NT24OrderStatus")
COMPLIANCE_STATUS = SearchAttributeKey.for_keyword("NT24ComplianceStatus")

ALL = (
    ORGANIZATION,
    PARTNER,
    EXTERNAL_ORDER_ID,
    VINS,
    BUYER_VAT_NUMBER,
    ORDER_STATUS,
    COMPLIANCE_STATUS,
)


def cli_flags() -> list[str]:
    """``--search-attribute`` flags for ``temporal server start-dev``."""
    kinds = {"KEYWORD": "Keyword", "KEYWORD_LIST": "KeywordList", "TEXT": "Text", "INT": "Int"}
    flags = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key.indexed_value_type.name]}"]
    return flags
