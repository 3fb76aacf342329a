from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.chat_completion_moderation_results_type import (
    ChatCompletionModerationResultsType,
    check_chat_completion_moderation_results_type,
)

if TYPE_CHECKING:
    from ..models.moderation_result_body import ModerationResultBody


T = TypeVar("T", bound="ChatCompletionModerationResults")


@_attrs_define
class ChatCompletionModerationResults:
    """Successful moderation results for the request input or generated output.

    Attributes:
        type_ (ChatCompletionModerationResultsType): The object type, which is always `moderation_results`.
        model (str): The moderation model used to generate the results.
        results (list[ModerationResultBody]): A list of moderation results.
    """

    type_: ChatCompletionModerationResultsType
    model: str
    results: list[ModerationResultBody]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        model = self.model

        results = []
        for results_item_data in self.results:
            results_item = results_item_data.to_dict()
            results.append(results_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "model": model,
                "results": results,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.moderation_result_body import ModerationResultBody  # noqa: PLC0415

        d = dict(src_dict)
        type_ = check_chat_completion_moderation_results_type(d.pop("type"))

        model = d.pop("model")

        results = []
        _results = d.pop("results")
        for results_item_data in _results:
            results_item = ModerationResultBody.from_dict(results_item_data)

            results.append(results_item)

        chat_completion_moderation_results = cls(
            type_=type_,
            model=model,
            results=results,
        )

        chat_completion_moderation_results.additional_properties = d
        return chat_completion_moderation_results

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
