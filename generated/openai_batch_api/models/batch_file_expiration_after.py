from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_file_expiration_after_anchor import (
    BatchFileExpirationAfterAnchor,
    check_batch_file_expiration_after_anchor,
)

T = TypeVar("T", bound="BatchFileExpirationAfter")


@_attrs_define
class BatchFileExpirationAfter:
    """The expiration policy for the output and/or error file that are generated for a batch.

    Attributes:
        anchor (BatchFileExpirationAfterAnchor): Anchor timestamp after which the expiration policy applies. Supported
            anchors: `created_at`. Note that the anchor is the file creation time, not the time the batch is created.
        seconds (int): The number of seconds after the anchor time that the file will expire. Must be between 3600 (1
            hour) and 2592000 (30 days).
    """

    anchor: BatchFileExpirationAfterAnchor
    seconds: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        anchor: str = self.anchor

        seconds = self.seconds

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "anchor": anchor,
                "seconds": seconds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        anchor = check_batch_file_expiration_after_anchor(d.pop("anchor"))

        seconds = d.pop("seconds")

        batch_file_expiration_after = cls(
            anchor=anchor,
            seconds=seconds,
        )

        batch_file_expiration_after.additional_properties = d
        return batch_file_expiration_after

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
