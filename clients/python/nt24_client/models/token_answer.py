from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="TokenAnswer")


@_attrs_define
class TokenAnswer:
    """
    Attributes:
        access_token (str):
        expires_in (int):
        token_type (str | Unset):  Default: 'Bearer'.
        not_before_policy (int | Unset):  Default: 0.
        scope (str | Unset):  Default: 'profile email'.
    """

    access_token: str
    expires_in: int
    token_type: str | Unset = "Bearer"
    not_before_policy: int | Unset = 0
    scope: str | Unset = "profile email"
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        access_token = self.access_token

        expires_in = self.expires_in

        token_type = self.token_type

        not_before_policy = self.not_before_policy

        scope = self.scope

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "access_token": access_token,
                "expires_in": expires_in,
            }
        )
        if token_type is not UNSET:
            field_dict["token_type"] = token_type
        if not_before_policy is not UNSET:
            field_dict["not-before-policy"] = not_before_policy
        if scope is not UNSET:
            field_dict["scope"] = scope

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        access_token = d.pop("access_token")

        expires_in = d.pop("expires_in")

        token_type = d.pop("token_type", UNSET)

        not_before_policy = d.pop("not-before-policy", UNSET)

        scope = d.pop("scope", UNSET)

        token_answer = cls(
            access_token=access_token,
            expires_in=expires_in,
            token_type=token_type,
            not_before_policy=not_before_policy,
            scope=scope,
        )

        token_answer.additional_properties = d
        return token_answer

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
