"""Why a self-service invitation's workflow refuses a command, in the domain's words: the
invitation is no longer active. The API answers either with the invitation as it stands
(api/nt24/buyers/self_service_invitations.py, api/nt24/buyers/self_service.py). A leaf."""

from enum import StrEnum


class InvitationRefusalReason(StrEnum):
    ENDED = "ENDED"  # used or revoked already
    EXPIRED = "EXPIRED"
