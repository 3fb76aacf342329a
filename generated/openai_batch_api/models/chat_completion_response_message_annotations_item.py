from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_completion_response_message_annotations_item_type import (
    ChatCompletionResponseMessageAnnotationsItemType,
    check_chat_completion_response_message_annotations_item_type,
)

if TYPE_CHECKING:
    from ..models.chat_completion_response_message_annotations_item_url_citation import (
        ChatCompletionResponseMessageAnnotationsItemUrlCitation,
    )


T = TypeVar("T", bound="ChatCompletionResponseMessageAnnotationsItem")


@_attrs_define
class ChatCompletionResponseMessageAnnotationsItem:
    """A URL citation when using web search.

    Attributes:
        type_ (ChatCompletionResponseMessageAnnotationsItemType): The type of the URL citation. Always `url_citation`.
        url_citation (ChatCompletionResponseMessageAnnotationsItemUrlCitation): A URL citation when using web search.
    """

    type_: ChatCompletionResponseMessageAnnotationsItemType
    url_citation: ChatCompletionResponseMessageAnnotationsItemUrlCitation
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        url_citation = self.url_citation.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "url_citation": url_citation,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_completion_response_message_annotations_item_url_citation import (
            ChatCompletionResponseMessageAnnotationsItemUrlCitation,  # noqa: PLC0415
        )

        d = dict(src_dict)
        type_ = check_chat_completion_response_message_annotations_item_type(d.pop("type"))

        url_citation = ChatCompletionResponseMessageAnnotationsItemUrlCitation.from_dict(d.pop("url_citation"))

        chat_completion_response_message_annotations_item = cls(
            type_=type_,
            url_citation=url_citation,
        )

        chat_completion_response_message_annotations_item.additional_properties = d
        return chat_completion_response_message_annotations_item

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
