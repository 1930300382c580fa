from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.buyer_module import BuyerModule
    from ..models.export_file_module import ExportFileModule
    from ..models.invoice_module import InvoiceModule
    from ..models.order_module import OrderModule
    from ..models.payment_module import PaymentModule
    from ..models.transport_module import TransportModule


T = TypeVar("T", bound="ComplianceModules")


@_attrs_define
class ComplianceModules:
    """
    Attributes:
        buyer (BuyerModule):
        order (OrderModule):
        invoice (InvoiceModule):
        payment (PaymentModule):
        transport (TransportModule):
        export_file (ExportFileModule):
    """

    buyer: BuyerModule
    order: OrderModule
    invoice: InvoiceModule
    payment: PaymentModule
    transport: TransportModule
    export_file: ExportFileModule
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        buyer = self.buyer.to_dict()

        order = self.order.to_dict()

        invoice = self.invoice.to_dict()

        payment = self.payment.to_dict()

        transport = self.transport.to_dict()

        export_file = self.export_file.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "buyer": buyer,
                "order": order,
                "invoice": invoice,
                "payment": payment,
                "transport": transport,
                "exportFile": export_file,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.buyer_module import BuyerModule  # noqa: PLC0415
        from ..models.export_file_module import ExportFileModule  # noqa: PLC0415
        from ..models.invoice_module import InvoiceModule  # noqa: PLC0415
        from ..models.order_module import OrderModule  # noqa: PLC0415
        from ..models.payment_module import PaymentModule  # noqa: PLC0415
        from ..models.transport_module import TransportModule  # noqa: PLC0415

        d = dict(src_dict)
        buyer = BuyerModule.from_dict(d.pop("buyer"))

        order = OrderModule.from_dict(d.pop("order"))

        invoice = InvoiceModule.from_dict(d.pop("invoice"))

        payment = PaymentModule.from_dict(d.pop("payment"))

        transport = TransportModule.from_dict(d.pop("transport"))

        export_file = ExportFileModule.from_dict(d.pop("exportFile"))

        compliance_modules = cls(
            buyer=buyer,
            order=order,
            invoice=invoice,
            payment=payment,
            transport=transport,
            export_file=export_file,
        )

        compliance_modules.additional_properties = d
        return compliance_modules

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
