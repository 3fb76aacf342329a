from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.prompt_cache_mode_enum import PromptCacheModeEnum, check_prompt_cache_mode_enum
from ..models.prompt_cache_ttl_enum import PromptCacheTTLEnum, check_prompt_cache_ttl_enum

T = TypeVar("T", bound="PromptCacheOptions")


@_attrs_define
class PromptCacheOptions:
    """The prompt-caching options that were applied to the response. Supported for `gpt-5.6` and later models.

    Attributes:
        ttl (PromptCacheTTLEnum):
        mode (PromptCacheModeEnum):
    """

    ttl: PromptCacheTTLEnum
    mode: PromptCacheModeEnum
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        ttl: str = self.ttl

        mode: str = self.mode

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "ttl": ttl,
                "mode": mode,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        ttl = check_prompt_cache_ttl_enum(d.pop("ttl"))

        mode = check_prompt_cache_mode_enum(d.pop("mode"))

        prompt_cache_options = cls(
            ttl=ttl,
            mode=mode,
        )

        prompt_cache_options.additional_properties = d
        return prompt_cache_options

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
