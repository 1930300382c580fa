"""A self-service invitation's statuses: its workflow settles them, the store and the API
read them."""

ACTIVE = "ACTIVE"
USED = "USED"  # the buyer submitted its documents
REVOKED = "REVOKED"
EXPIRED = "EXPIRED"
