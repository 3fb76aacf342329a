from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_completion_moderation_error_type import (
    ChatCompletionModerationErrorType,
    check_chat_completion_moderation_error_type,
)

T = TypeVar("T", bound="ChatCompletionModerationError")


@_attrs_define
class ChatCompletionModerationError:
    """An error produced while attempting moderation.

    Attributes:
        type_ (ChatCompletionModerationErrorType): The object type, which is always `error`.
        code (str): The error code.
        message (str): The error message.
    """

    type_: ChatCompletionModerationErrorType
    code: str
    message: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        code = self.code

        message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "code": code,
                "message": message,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = check_chat_completion_moderation_error_type(d.pop("type"))

        code = d.pop("code")

        message = d.pop("message")

        chat_completion_moderation_error = cls(
            type_=type_,
            code=code,
            message=message,
        )

        chat_completion_moderation_error.additional_properties = d
        return chat_completion_moderation_error

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
