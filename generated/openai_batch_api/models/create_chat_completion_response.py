from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_chat_completion_response_object import (
    CreateChatCompletionResponseObject,
    check_create_chat_completion_response_object,
)
from ..models.service_tier import ServiceTier, check_service_tier
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.chat_completion_moderation import ChatCompletionModeration
    from ..models.completion_usage import CompletionUsage
    from ..models.create_chat_completion_response_choices_item import CreateChatCompletionResponseChoicesItem
    from ..models.metadata import Metadata


T = TypeVar("T", bound="CreateChatCompletionResponse")


@_attrs_define
class CreateChatCompletionResponse:
    """Represents a chat completion response returned by model, based on the provided input.

    Attributes:
        id (str): A unique identifier for the chat completion.
        choices (list[CreateChatCompletionResponseChoicesItem]): A list of chat completion choices. Can be more than one
            if `n` is greater than 1.
        created (int): The Unix timestamp (in seconds) of when the chat completion was created.
        model (str): The model used for the chat completion.
        object_ (CreateChatCompletionResponseObject): The object type, which is always `chat.completion`.
        metadata (Metadata | None | Unset):
        service_tier (None | ServiceTier | Unset):
        system_fingerprint (str | Unset): This fingerprint represents the backend configuration that the model runs
            with.

            Can be used in conjunction with the `seed` request parameter to understand when backend changes have been made
            that might impact determinism.
        usage (CompletionUsage | Unset): Usage statistics for the completion request.
        moderation (ChatCompletionModeration | None | Unset):
    """

    id: str
    choices: list[CreateChatCompletionResponseChoicesItem]
    created: int
    model: str
    object_: CreateChatCompletionResponseObject
    metadata: Metadata | None | Unset = UNSET
    service_tier: None | ServiceTier | Unset = UNSET
    system_fingerprint: str | Unset = UNSET
    usage: CompletionUsage | Unset = UNSET
    moderation: ChatCompletionModeration | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.chat_completion_moderation import ChatCompletionModeration  # noqa: PLC0415
        from ..models.metadata import Metadata  # noqa: PLC0415

        id = self.id

        choices = []
        for choices_item_data in self.choices:
            choices_item = choices_item_data.to_dict()
            choices.append(choices_item)

        created = self.created

        model = self.model

        object_: str = self.object_

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, Metadata):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        service_tier: None | str | Unset
        if isinstance(self.service_tier, Unset):
            service_tier = UNSET
        elif isinstance(self.service_tier, str):
            service_tier = self.service_tier
        else:
            service_tier = self.service_tier

        system_fingerprint = self.system_fingerprint

        usage: dict[str, Any] | Unset = UNSET
        if not isinstance(self.usage, Unset):
            usage = self.usage.to_dict()

        moderation: dict[str, Any] | None | Unset
        if isinstance(self.moderation, Unset):
            moderation = UNSET
        elif isinstance(self.moderation, ChatCompletionModeration):
            moderation = self.moderation.to_dict()
        else:
            moderation = self.moderation

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "choices": choices,
                "created": created,
                "model": model,
                "object": object_,
            }
        )
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if service_tier is not UNSET:
            field_dict["service_tier"] = service_tier
        if system_fingerprint is not UNSET:
            field_dict["system_fingerprint"] = system_fingerprint
        if usage is not UNSET:
            field_dict["usage"] = usage
        if moderation is not UNSET:
            field_dict["moderation"] = moderation

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.chat_completion_moderation import ChatCompletionModeration  # noqa: PLC0415
        from ..models.completion_usage import CompletionUsage  # noqa: PLC0415
        from ..models.create_chat_completion_response_choices_item import CreateChatCompletionResponseChoicesItem  # noqa: PLC0415
        from ..models.metadata import Metadata  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        choices = []
        _choices = d.pop("choices")
        for choices_item_data in _choices:
            choices_item = CreateChatCompletionResponseChoicesItem.from_dict(choices_item_data)

            choices.append(choices_item)

        created = d.pop("created")

        model = d.pop("model")

        object_ = check_create_chat_completion_response_object(d.pop("object"))

        def _parse_metadata(data: object) -> Metadata | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_metadata_type_0 = Metadata.from_dict(data)

                return componentsschemas_metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Metadata | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_service_tier(data: object) -> None | ServiceTier | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_service_tier_type_0 = check_service_tier(data)

                return componentsschemas_service_tier_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ServiceTier | Unset, data)

        service_tier = _parse_service_tier(d.pop("service_tier", UNSET))

        system_fingerprint = d.pop("system_fingerprint", UNSET)

        _usage = d.pop("usage", UNSET)
        usage: CompletionUsage | Unset
        if isinstance(_usage, Unset):
            usage = UNSET
        else:
            usage = CompletionUsage.from_dict(_usage)

        def _parse_moderation(data: object) -> ChatCompletionModeration | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                moderation_type_0 = ChatCompletionModeration.from_dict(data)

                return moderation_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ChatCompletionModeration | None | Unset, data)

        moderation = _parse_moderation(d.pop("moderation", UNSET))

        create_chat_completion_response = cls(
            id=id,
            choices=choices,
            created=created,
            model=model,
            object_=object_,
            metadata=metadata,
            service_tier=service_tier,
            system_fingerprint=system_fingerprint,
            usage=usage,
            moderation=moderation,
        )

        create_chat_completion_response.additional_properties = d
        return create_chat_completion_response

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
