from __future__ import annotations

import datetime
from collections.abc import Mapping
from io import BytesIO
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from .. import types
from ..models.body_upload_kyc_document_issuer_type_type_0 import (
    BodyUploadKycDocumentIssuerTypeType0,
)
from ..models.body_upload_kyc_document_type import BodyUploadKycDocumentType
from ..types import UNSET, File, Unset

T = TypeVar("T", bound="BodyUploadKycDocument")


@_attrs_define
class BodyUploadKycDocument:
    """
    Attributes:
        type_ (BodyUploadKycDocumentType): One of: COC_EXTRACT, COC_ARTICLES_OF_ASSOCIATION, BANK_ACCOUNT_CONFIRMATION,
            BANK_STATEMENT, VAT_REGISTRATION_CERTIFICATE, CONTACT_ID_DOCUMENT, CONTACT_POWER_OF_ATTORNEY, ADDRESS_PROOF,
            TP_TRADE_LICENCE, TP_SHAREHOLDER_REGISTER, TP_UBO_DECLARATION, AML_DECLARATION
        file (File): PDF or image
        document_date (datetime.date | None | Unset): YYYY-MM-DD
        issuer_type (BodyUploadKycDocumentIssuerTypeType0 | None | Unset):
        issuer_name (None | str | Unset):
        issuer_id (None | str | Unset): The issuer's VAT or registration number (stored upper case, without spaces; at
            most 64 characters)
    """

    type_: BodyUploadKycDocumentType
    file: File
    document_date: datetime.date | None | Unset = UNSET
    issuer_type: BodyUploadKycDocumentIssuerTypeType0 | None | Unset = UNSET
    issuer_name: None | str | Unset = UNSET
    issuer_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_.value

        file = self.file.to_tuple()

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
        elif isinstance(self.issuer_type, BodyUploadKycDocumentIssuerTypeType0):
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

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "file": file,
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

        return field_dict

    def to_multipart(self) -> types.RequestFiles:
        files: types.RequestFiles = []

        files.append(("type", (None, str(self.type_.value).encode(), "text/plain")))

        files.append(("file", self.file.to_tuple()))

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
            if isinstance(self.issuer_type, BodyUploadKycDocumentIssuerTypeType0):
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

        for prop_name, prop in self.additional_properties.items():
            files.append((prop_name, (None, str(prop).encode(), "text/plain")))

        return files

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = BodyUploadKycDocumentType(d.pop("type"))

        file = File(payload=BytesIO(d.pop("file")))

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

        def _parse_issuer_type(data: object) -> BodyUploadKycDocumentIssuerTypeType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                issuer_type_type_0 = BodyUploadKycDocumentIssuerTypeType0(data)

                return issuer_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(BodyUploadKycDocumentIssuerTypeType0 | None | Unset, data)

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

        body_upload_kyc_document = cls(
            type_=type_,
            file=file,
            document_date=document_date,
            issuer_type=issuer_type,
            issuer_name=issuer_name,
            issuer_id=issuer_id,
        )

        body_upload_kyc_document.additional_properties = d
        return body_upload_kyc_document

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
