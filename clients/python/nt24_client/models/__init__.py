"""Contains all the data models used in inputs/outputs"""

from .address import Address
from .address_in import AddressIn
from .authorized_partner import AuthorizedPartner
from .block_request import BlockRequest
from .blocker import Blocker
from .body_upload_invoice_document import BodyUploadInvoiceDocument
from .body_upload_invoice_document_issuer_type_type_0 import (
    BodyUploadInvoiceDocumentIssuerTypeType0,
)
from .body_upload_invoice_document_type import BodyUploadInvoiceDocumentType
from .body_upload_kyc_document import BodyUploadKycDocument
from .body_upload_kyc_document_issuer_type_type_0 import BodyUploadKycDocumentIssuerTypeType0
from .body_upload_kyc_document_type import BodyUploadKycDocumentType
from .body_upload_order_document import BodyUploadOrderDocument
from .body_upload_order_document_issuer_type_type_0 import BodyUploadOrderDocumentIssuerTypeType0
from .body_upload_order_document_type import BodyUploadOrderDocumentType
from .body_upload_payment_document import BodyUploadPaymentDocument
from .body_upload_payment_document_issuer_type_type_0 import (
    BodyUploadPaymentDocumentIssuerTypeType0,
)
from .body_upload_payment_document_type import BodyUploadPaymentDocumentType
from .body_upload_transport_document import BodyUploadTransportDocument
from .body_upload_transport_document_issuer_type_type_0 import (
    BodyUploadTransportDocumentIssuerTypeType0,
)
from .body_upload_transport_document_type import BodyUploadTransportDocumentType
from .buyer_module import BuyerModule
from .buyer_out import BuyerOut
from .buyer_out_kycmode import BuyerOutKycmode
from .buyer_out_status import BuyerOutStatus
from .buyer_patch import BuyerPatch
from .buyer_patch_kyc_mode_type_0 import BuyerPatchKycModeType0
from .buyer_upsert import BuyerUpsert
from .buyer_upsert_kycmode import BuyerUpsertKycmode
from .cancel_request import CancelRequest
from .capabilities import Capabilities
from .capabilities_ratelimittier import CapabilitiesRatelimittier
from .compliance_modules import ComplianceModules
from .compliance_out import ComplianceOut
from .compliance_out_compliancestatus import ComplianceOutCompliancestatus
from .compliance_out_decision_type_0 import ComplianceOutDecisionType0
from .contact import Contact
from .data_field_out import DataFieldOut
from .delivery_in import DeliveryIn
from .delivery_out import DeliveryOut
from .delivery_out_kind import DeliveryOutKind
from .delivery_out_status import DeliveryOutStatus
from .discovery_response_discovery import DiscoveryResponseDiscovery
from .document_out import DocumentOut
from .document_out_issuertype import DocumentOutIssuertype
from .document_out_status import DocumentOutStatus
from .event_feed import EventFeed
from .event_out import EventOut
from .event_out_data import EventOutData
from .event_type_out import EventTypeOut
from .event_type_out_example import EventTypeOutExample
from .evidence_break import EvidenceBreak
from .evidence_entry_out import EvidenceEntryOut
from .evidence_out import EvidenceOut
from .evidence_out_status import EvidenceOutStatus
from .export_file_module import ExportFileModule
from .export_file_out import ExportFileOut
from .export_file_out_decision_type_0 import ExportFileOutDecisionType0
from .export_file_out_status import ExportFileOutStatus
from .field_error_out import FieldErrorOut
from .final_invoice_in import FinalInvoiceIn
from .healthz_response_healthz import HealthzResponseHealthz
from .invitation import Invitation
from .invitation_create import InvitationCreate
from .invitation_kind import InvitationKind
from .invitation_status import InvitationStatus
from .invoice_in import InvoiceIn
from .invoice_in_type import InvoiceInType
from .invoice_module import InvoiceModule
from .invoice_out import InvoiceOut
from .invoice_out_status import InvoiceOutStatus
from .invoice_out_type import InvoiceOutType
from .invoice_patch import InvoicePatch
from .invoice_patch_type import InvoicePatchType
from .jwks_response_jwks import JwksResponseJwks
from .kyc_status import KycStatus
from .kyc_status_aml_status_type_0 import KycStatusAmlStatusType0
from .kyc_status_kycmode import KycStatusKycmode
from .kyc_status_overallstatus import KycStatusOverallstatus
from .kyc_status_verification_status_type_0 import KycStatusVerificationStatusType0
from .kyc_status_viesresult import KycStatusViesresult
from .list_buyers_kyc_mode_type_0 import ListBuyersKycModeType0
from .list_buyers_status_type_0 import ListBuyersStatusType0
from .list_deliveries_status_type_0 import ListDeliveriesStatusType0
from .list_documents_status_type_0 import ListDocumentsStatusType0
from .list_documents_type_type_0 import ListDocumentsTypeType0
from .list_invitations_status_type_0 import ListInvitationsStatusType0
from .list_kyc_documents_status_type_0 import ListKycDocumentsStatusType0
from .list_kyc_documents_type_type_0 import ListKycDocumentsTypeType0
from .list_orders_status_type_0 import ListOrdersStatusType0
from .me import Me
from .money import Money
from .money_in import MoneyIn
from .o_auth_error import OAuthError
from .order_create import OrderCreate
from .order_module import OrderModule
from .order_out import OrderOut
from .order_out_status import OrderOutStatus
from .order_patch import OrderPatch
from .order_vin_in import OrderVinIn
from .order_vin_module import OrderVinModule
from .order_vin_out import OrderVinOut
from .page_buyer_out import PageBuyerOut
from .page_delivery_out import PageDeliveryOut
from .page_invitation import PageInvitation
from .page_order_out import PageOrderOut
from .pagination import Pagination
from .payment_in import PaymentIn
from .payment_module import PaymentModule
from .payment_out import PaymentOut
from .payment_out_status import PaymentOutStatus
from .payment_patch import PaymentPatch
from .person_in import PersonIn
from .pickup_in import PickupIn
from .pickup_in_arranged_by_type_0 import PickupInArrangedByType0
from .pickup_in_type import PickupInType
from .pickup_out import PickupOut
from .pickup_out_arrangedby import PickupOutArrangedby
from .pickup_out_type import PickupOutType
from .problem import Problem
from .problem_current_resource_type_0 import ProblemCurrentResourceType0
from .revocation_out import RevocationOut
from .revoke_in import RevokeIn
from .revoke_request import RevokeRequest
from .superseded_version import SupersededVersion
from .test_fire import TestFire
from .test_fire_data import TestFireData
from .test_fire_eventtype import TestFireEventtype
from .token_answer import TokenAnswer
from .token_body import TokenBody
from .token_body_grant_type import TokenBodyGrantType
from .transport_delivery_out import TransportDeliveryOut
from .transport_module import TransportModule
from .transport_out import TransportOut
from .transport_out_status import TransportOutStatus
from .transport_vin_module import TransportVinModule
from .verification_session import VerificationSession
from .vies_check_queued import ViesCheckQueued
from .vies_check_queued_status import ViesCheckQueuedStatus
from .webhook_endpoint_created import WebhookEndpointCreated
from .webhook_endpoint_created_status import WebhookEndpointCreatedStatus
from .webhook_endpoint_in import WebhookEndpointIn
from .webhook_endpoint_out import WebhookEndpointOut
from .webhook_endpoint_out_status import WebhookEndpointOutStatus
from .webhook_endpoint_patch import WebhookEndpointPatch
from .webhook_endpoint_patch_status_type_0 import WebhookEndpointPatchStatusType0

__all__ = (
    "Address",
    "AddressIn",
    "AuthorizedPartner",
    "Blocker",
    "BlockRequest",
    "BodyUploadInvoiceDocument",
    "BodyUploadInvoiceDocumentIssuerTypeType0",
    "BodyUploadInvoiceDocumentType",
    "BodyUploadKycDocument",
    "BodyUploadKycDocumentIssuerTypeType0",
    "BodyUploadKycDocumentType",
    "BodyUploadOrderDocument",
    "BodyUploadOrderDocumentIssuerTypeType0",
    "BodyUploadOrderDocumentType",
    "BodyUploadPaymentDocument",
    "BodyUploadPaymentDocumentIssuerTypeType0",
    "BodyUploadPaymentDocumentType",
    "BodyUploadTransportDocument",
    "BodyUploadTransportDocumentIssuerTypeType0",
    "BodyUploadTransportDocumentType",
    "BuyerModule",
    "BuyerOut",
    "BuyerOutKycmode",
    "BuyerOutStatus",
    "BuyerPatch",
    "BuyerPatchKycModeType0",
    "BuyerUpsert",
    "BuyerUpsertKycmode",
    "CancelRequest",
    "Capabilities",
    "CapabilitiesRatelimittier",
    "ComplianceModules",
    "ComplianceOut",
    "ComplianceOutCompliancestatus",
    "ComplianceOutDecisionType0",
    "Contact",
    "DataFieldOut",
    "DeliveryIn",
    "DeliveryOut",
    "DeliveryOutKind",
    "DeliveryOutStatus",
    "DiscoveryResponseDiscovery",
    "DocumentOut",
    "DocumentOutIssuertype",
    "DocumentOutStatus",
    "EventFeed",
    "EventOut",
    "EventOutData",
    "EventTypeOut",
    "EventTypeOutExample",
    "EvidenceBreak",
    "EvidenceEntryOut",
    "EvidenceOut",
    "EvidenceOutStatus",
    "ExportFileModule",
    "ExportFileOut",
    "ExportFileOutDecisionType0",
    "ExportFileOutStatus",
    "FieldErrorOut",
    "FinalInvoiceIn",
    "HealthzResponseHealthz",
    "Invitation",
    "InvitationCreate",
    "InvitationKind",
    "InvitationStatus",
    "InvoiceIn",
    "InvoiceInType",
    "InvoiceModule",
    "InvoiceOut",
    "InvoiceOutStatus",
    "InvoiceOutType",
    "InvoicePatch",
    "InvoicePatchType",
    "JwksResponseJwks",
    "KycStatus",
    "KycStatusAmlStatusType0",
    "KycStatusKycmode",
    "KycStatusOverallstatus",
    "KycStatusVerificationStatusType0",
    "KycStatusViesresult",
    "ListBuyersKycModeType0",
    "ListBuyersStatusType0",
    "ListDeliveriesStatusType0",
    "ListDocumentsStatusType0",
    "ListDocumentsTypeType0",
    "ListInvitationsStatusType0",
    "ListKycDocumentsStatusType0",
    "ListKycDocumentsTypeType0",
    "ListOrdersStatusType0",
    "Me",
    "Money",
    "MoneyIn",
    "OAuthError",
    "OrderCreate",
    "OrderModule",
    "OrderOut",
    "OrderOutStatus",
    "OrderPatch",
    "OrderVinIn",
    "OrderVinModule",
    "OrderVinOut",
    "PageBuyerOut",
    "PageDeliveryOut",
    "PageInvitation",
    "PageOrderOut",
    "Pagination",
    "PaymentIn",
    "PaymentModule",
    "PaymentOut",
    "PaymentOutStatus",
    "PaymentPatch",
    "PersonIn",
    "PickupIn",
    "PickupInArrangedByType0",
    "PickupInType",
    "PickupOut",
    "PickupOutArrangedby",
    "PickupOutType",
    "Problem",
    "ProblemCurrentResourceType0",
    "RevocationOut",
    "RevokeIn",
    "RevokeRequest",
    "SupersededVersion",
    "TestFire",
    "TestFireData",
    "TestFireEventtype",
    "TokenAnswer",
    "TokenBody",
    "TokenBodyGrantType",
    "TransportDeliveryOut",
    "TransportModule",
    "TransportOut",
    "TransportOutStatus",
    "TransportVinModule",
    "VerificationSession",
    "ViesCheckQueued",
    "ViesCheckQueuedStatus",
    "WebhookEndpointCreated",
    "WebhookEndpointCreatedStatus",
    "WebhookEndpointIn",
    "WebhookEndpointOut",
    "WebhookEndpointOutStatus",
    "WebhookEndpointPatch",
    "WebhookEndpointPatchStatusType0",
)
