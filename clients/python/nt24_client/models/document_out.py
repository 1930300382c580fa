from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.document_out_issuertype import DocumentOutIssuertype
from ..models.document_out_status import DocumentOutStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="DocumentOut")


@_attrs_define
class DocumentOut:
    """
    Attributes:
        uuid (UUID):
        type_ (str):
        issuer_type (DocumentOutIssuertype):
        file_name (str):
        content_type (str):
        size (int):
        sha256 (str):
        status (DocumentOutStatus):
        document_date (datetime.date | None | Unset):
        issuer_name (None | str | Unset):
        issuer_id (None | str | Unset):
        vins (list[str] | None | Unset): The VINs it covers; absent: all
        origin_country (None | str | Unset): Where the transport began, as stated
        destination_country (None | str | Unset): Where the transport ended, as stated
        created_at (None | str | Unset):
    """

    uuid: UUID
    type_: str
    issuer_type: DocumentOutIssuertype
    file_name: str
    content_type: str
    size: int
    sha256: str
    status: DocumentOutStatus
    document_date: datetime.date | None | Unset = UNSET
    issuer_name: None | str | Unset = UNSET
    issuer_id: None | str | Unset = UNSET
    vins: list[str] | None | Unset = UNSET
    origin_country: None | str | Unset = UNSET
    destination_country: None | str | Unset = UNSET
    created_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        uuid = str(self.uuid)

        type_ = self.type_

        issuer_type = self.issuer_type.value

        file_name = self.file_name

        content_type = self.content_type

        size = self.size

        sha256 = self.sha256

        status = self.status.value

        document_date: None | str | Unset
        if isinstance(self.document_date, Unset):
            document_date = UNSET
        elif isinstance(self.document_date, datetime.date):
            document_date = self.document_date.isoformat()
        else:
            document_date = self.document_date

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

        created_at: None | str | Unset
        if isinstance(self.created_at, Unset):
            created_at = UNSET
        else:
            created_at = self.created_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "uuid": uuid,
                "type": type_,
                "issuerType": issuer_type,
                "fileName": file_name,
                "contentType": content_type,
                "size": size,
                "sha256": sha256,
                "status": status,
            }
        )
        if document_date is not UNSET:
            field_dict["documentDate"] = document_date
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
        if created_at is not UNSET:
            field_dict["createdAt"] = created_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        uuid = UUID(d.pop("uuid"))

        type_ = d.pop("type")

        issuer_type = DocumentOutIssuertype(d.pop("issuerType"))

        file_name = d.pop("fileName")

        content_type = d.pop("contentType")

        size = d.pop("size")

        sha256 = d.pop("sha256")

        status = DocumentOutStatus(d.pop("status"))

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

        def _parse_created_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        created_at = _parse_created_at(d.pop("createdAt", UNSET))

        document_out = cls(
            uuid=uuid,
            type_=type_,
            issuer_type=issuer_type,
            file_name=file_name,
            content_type=content_type,
            size=size,
            sha256=sha256,
            status=status,
            document_date=document_date,
            issuer_name=issuer_name,
            issuer_id=issuer_id,
            vins=vins,
            origin_country=origin_country,
            destination_country=destination_country,
            created_at=created_at,
        )

        document_out.additional_properties = d
        return document_out

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
