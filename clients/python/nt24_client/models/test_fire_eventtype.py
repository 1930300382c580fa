from enum import StrEnum


class TestFireEventtype(StrEnum):
    COMPLIANCE_DECISION_MADE = "compliance.decision_made"
    COMPLIANCE_STATUS_CHANGED = "compliance.status_changed"
    EXPORT_FILE_GENERATED = "export_file.generated"
    KYC_VERIFICATION_COMPLETED = "kyc.verification_completed"
    KYC_VERIFICATION_EXPIRING = "kyc.verification_expiring"
    KYC_VIES_CHECK_FAILED = "kyc.vies_check_failed"
    PROSPECT_SUBMITTED = "prospect.submitted"
    SELF_SERVICE_INVITATION_EXPIRED = "self_service_invitation.expired"
    SELF_SERVICE_INVITATION_USED = "self_service_invitation.used"
    WEBHOOK_DELIVERY_FAILED_TERMINAL = "webhook.delivery_failed_terminal"
    WEBHOOK_ENDPOINT_AUTO_PAUSED = "webhook.endpoint_auto_paused"

    def __str__(self) -> str:
        return str(self.value)
