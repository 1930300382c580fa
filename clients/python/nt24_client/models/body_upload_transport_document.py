from __future__ import annotations

import datetime
from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.body_upload_transport_document_issuer_type_type_0 import (
    BodyUploadTransportDocumentIssuerTypeType0,
)
from ..models.body_upload_transport_document_type import BodyUploadTransportDocumentType
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="BodyUploadTransportDocument")


@_attrs_define
class BodyUploadTransportDocument:
    """
    Attributes:
        file (File): PDF or image
        type_ (BodyUploadTransportDocumentType): The document type
        document_date (datetime.date | None | Unset): YYYY-MM-DD, not in the future (the latest today, UTC+14)
        issuer_type (BodyUploadTransportDocumentIssuerTypeType0 | None | Unset):
        issuer_name (None | str | Unset):
        issuer_id (None | str | Unset): The issuer's VAT or registration number (stored upper case, without spaces; at
            most 64 characters)
        vins (list[str] | None | Unset): The order's VINs the document covers (repeat the field, or separate by commas);
            absent: all of them
        origin_country (None | str | Unset): Where the transport began as the document states it (a CMR's place of
            taking over): ISO 3166-1 alpha-2, any case; EL is stored as GR
        destination_country (None | str | Unset): Where the transport ended as the document states it (a CMR's place of
            delivery): ISO 3166-1 alpha-2, any case; EL is stored as GR
    """

    file: File
    type_: BodyUploadTransportDocumentType
    document_date: datetime.date | None | Unset = UNSET
    issuer_type: BodyUploadTransportDocumentIssuerTypeType0 | None | Unset = UNSET
    issuer_name: None | str | Unset = UNSET
    issuer_id: None | str | Unset = UNSET
    vins: list[str] | None | Unset = UNSET
    origin_country: None | str | Unset = UNSET
    destination_country: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        file = self.file.to_tuple()

        type_ = self.type_.value

        document_date: None | str | Unset
        if isinstance(self.document_date, Unset):
            document_date = UNSET
        elif isinstance(self.document_date, datetime.date):
            document_date = self.document_date.isoformat()
        else:
            document_date = self.document_date

        issuer_type: None | str | Unset
        if isinstance(self.issuer_type, Unset):
            issuer_type = UNSET
        elif isinstance(self.issuer_type, BodyUploadTransportDocumentIssuerTypeType0):
            issuer_type = self.issuer_type.value
        else:
            issuer_type = self.issuer_type

        issuer_name: None | str | Unset
        if isinstance(self.issuer_name, Unset):
            issuer_name = UNSET
        else:
            issuer_name = self.issuer_name

        issuer_id: None | str | Unset
        if isinstance(self.issuer_id, Unset):
            issuer_id = UNSET
        else:
            issuer_id = self.issuer_id

        vins: list[str] | None | Unset
        if isinstance(self.vins, Unset):
            vins = UNSET
        elif isinstance(self.vins, list):
            vins = self.vins

        else:
            vins = self.vins

        origin_country: None | str | Unset
        if isinstance(self.origin_country, Unset):
            origin_country = UNSET
        else:
            origin_country = self.origin_country

        destination_country: None | str | Unset
        if isinstance(self.destination_country, Unset):
            destination_country = UNSET
        else:
            destination_country = self.destination_country

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "file": file,
                "type": type_,
            }
        )
        if document_date is not UNSET:
            field_dict["documentDate"] = document_date
        if issuer_type is not UNSET:
            field_dict["issuerType"] = issuer_type
        if issuer_name is not UNSET:
            field_dict["issuerName"] = issuer_name
        if issuer_id is not UNSET:
            field_dict["issuerId"] = issuer_id
        if vins is not UNSET:
            field_dict["vins"] = vins
        if origin_country is not UNSET:
            field_dict["originCountry"] = origin_country
        if destination_country is not UNSET:
            field_dict["destinationCountry"] = destination_country

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("file", self.file.to_tuple()))

        files.append(("type", (None, str(self.type_.value).encode(), "text/plain")))

        if not isinstance(self.document_date, Unset):
            if isinstance(self.document_date, datetime.date):
                files.append(
                    ("documentDate", (None, self.document_date.isoformat().encode(), "text/plain"))
                )
            else:
                files.append(
                    ("documentDate", (None, str(self.document_date).encode(), "text/plain"))
                )

        if not isinstance(self.issuer_type, Unset):
            if isinstance(self.issuer_type, BodyUploadTransportDocumentIssuerTypeType0):
                files.append(
                    ("issuerType", (None, str(self.issuer_type.value).encode(), "text/plain"))
                )
            else:
                files.append(("issuerType", (None, str(self.issuer_type).encode(), "text/plain")))

        if not isinstance(self.issuer_name, Unset):
            if isinstance(self.issuer_name, str):
                files.append(("issuerName", (None, str(self.issuer_name).encode(), "text/plain")))
            else:
                files.append(("issuerName", (None, str(self.issuer_name).encode(), "text/plain")))

        if not isinstance(self.issuer_id, Unset):
            if isinstance(self.issuer_id, str):
                files.append(("issuerId", (None, str(self.issuer_id).encode(), "text/plain")))
            else:
                files.append(("issuerId", (None, str(self.issuer_id).encode(), "text/plain")))

        if not isinstance(self.vins, Unset):
            if isinstance(self.vins, list):
                for vins_type_0_item_element in self.vins:
                    files.append(
                        ("vins", (None, str(vins_type_0_item_element).encode(), "text/plain"))
                    )
            else:
                files.append(("vins", (None, str(self.vins).encode(), "text/plain")))

        if not isinstance(self.origin_country, Unset):
            if isinstance(self.origin_country, str):
                files.append(
                    ("originCountry", (None, str(self.origin_country).encode(), "text/plain"))
                )
            else:
                files.append(
                    ("originCountry", (None, str(self.origin_country).encode(), "text/plain"))
                )

        if not isinstance(self.destination_country, Unset):
            if isinstance(self.destination_country, str):
                files.append(
                    (
                        "destinationCountry",
                        (None, str(self.destination_country).encode(), "text/plain"),
                    )
                )
            else:
                files.append(
                    (
                        "destinationCountry",
                        (None, str(self.destination_country).encode(), "text/plain"),
                    )
                )

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        file = File(payload=BytesIO(d.pop("file")))

        type_ = BodyUploadTransportDocumentType(d.pop("type"))

        def _parse_document_date(data: object) -> datetime.date | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                document_date_type_0 = datetime.date.fromisoformat(data)

                return document_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None | Unset, data)

        document_date = _parse_document_date(d.pop("documentDate", UNSET))

        def _parse_issuer_type(
            data: object,
        ) -> BodyUploadTransportDocumentIssuerTypeType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                issuer_type_type_0 = BodyUploadTransportDocumentIssuerTypeType0(data)

                return issuer_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BodyUploadTransportDocumentIssuerTypeType0 | None | Unset, data)

        issuer_type = _parse_issuer_type(d.pop("issuerType", UNSET))

        def _parse_issuer_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        issuer_name = _parse_issuer_name(d.pop("issuerName", UNSET))

        def _parse_issuer_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        issuer_id = _parse_issuer_id(d.pop("issuerId", UNSET))

        def _parse_vins(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                vins_type_0 = cast(list[str], data)

                return vins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        vins = _parse_vins(d.pop("vins", UNSET))

        def _parse_origin_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        origin_country = _parse_origin_country(d.pop("originCountry", UNSET))

        def _parse_destination_country(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        destination_country = _parse_destination_country(d.pop("destinationCountry", UNSET))

        body_upload_transport_document = cls(
            file=file,
            type_=type_,
            document_date=document_date,
            issuer_type=issuer_type,
            issuer_name=issuer_name,
            issuer_id=issuer_id,
            vins=vins,
            origin_country=origin_country,
            destination_country=destination_country,
        )

        body_upload_transport_document.additional_properties = d
        return body_upload_transport_document

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
