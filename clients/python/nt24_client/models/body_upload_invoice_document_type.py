from enum import StrEnum


class BodyUploadInvoiceDocumentType(StrEnum):
    SHIPMENT_INVOICE = "SHIPMENT_INVOICE"
    SHIPMENT_PRELIMINARY_INVOICE = "SHIPMENT_PRELIMINARY_INVOICE"

    def __str__(self) -> str:
        return str(self.value)
