from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_completion_response_choices_item_finish_reason import (
    CreateCompletionResponseChoicesItemFinishReason,
    check_create_completion_response_choices_item_finish_reason,
)

if TYPE_CHECKING:
    from ..models.create_completion_response_choices_item_logprobs import CreateCompletionResponseChoicesItemLogprobs


T = TypeVar("T", bound="CreateCompletionResponseChoicesItem")


@_attrs_define
class CreateCompletionResponseChoicesItem:
    """
    Attributes:
        finish_reason (CreateCompletionResponseChoicesItemFinishReason): The reason the model stopped generating tokens.
            This will be `stop` if the model hit a natural stop point or a provided stop sequence,
            `length` if the maximum number of tokens specified in the request was reached,
            or `content_filter` if content was omitted due to a flag from our content filters.
        index (int):
        logprobs (CreateCompletionResponseChoicesItemLogprobs | None):
        text (str):
    """

    finish_reason: CreateCompletionResponseChoicesItemFinishReason
    index: int
    logprobs: CreateCompletionResponseChoicesItemLogprobs | None
    text: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_completion_response_choices_item_logprobs import (
            CreateCompletionResponseChoicesItemLogprobs,  # noqa: PLC0415
        )

        finish_reason: str = self.finish_reason

        index = self.index

        logprobs: dict[str, Any] | None
        if isinstance(self.logprobs, CreateCompletionResponseChoicesItemLogprobs):
            logprobs = self.logprobs.to_dict()
        else:
            logprobs = self.logprobs

        text = self.text

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "finish_reason": finish_reason,
                "index": index,
                "logprobs": logprobs,
                "text": text,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.create_completion_response_choices_item_logprobs import (
            CreateCompletionResponseChoicesItemLogprobs,  # noqa: PLC0415
        )

        d = dict(src_dict)
        finish_reason = check_create_completion_response_choices_item_finish_reason(d.pop("finish_reason"))

        index = d.pop("index")

        def _parse_logprobs(data: object) -> CreateCompletionResponseChoicesItemLogprobs | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                logprobs_type_0 = CreateCompletionResponseChoicesItemLogprobs.from_dict(data)

                return logprobs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateCompletionResponseChoicesItemLogprobs | None, data)

        logprobs = _parse_logprobs(d.pop("logprobs"))

        text = d.pop("text")

        create_completion_response_choices_item = cls(
            finish_reason=finish_reason,
            index=index,
            logprobs=logprobs,
            text=text,
        )

        create_completion_response_choices_item.additional_properties = d
        return create_completion_response_choices_item

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
