from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.known_file_purpose import KnownFilePurpose, check_known_file_purpose
from ..models.known_file_status import KnownFileStatus, check_known_file_status
from ..models.open_ai_file_object import OpenAIFileObject, check_open_ai_file_object
from ..types import UNSET, Unset

T = TypeVar("T", bound="OpenAIFile")


@_attrs_define
class OpenAIFile:
    """The `File` object represents a document that has been uploaded to OpenAI.

    Attributes:
        id (str): The file identifier, which can be referenced in the API endpoints.
        bytes_ (int): The size of the file, in bytes.
        created_at (int): The Unix timestamp (in seconds) for when the file was created.
        filename (str): The name of the file.
        object_ (OpenAIFileObject): The object type, which is always `file`.
        purpose (KnownFilePurpose | str): The intended purpose of the file. Supported values are `assistants`,
            `assistants_output`, `batch`, `batch_output`, `fine-tune`, `fine-tune-results`, `vision`, and `user_data`.
        expires_at (int | None | Unset): The Unix timestamp (in seconds) for when the file will expire.
        status (KnownFileStatus | str | Unset): Deprecated. The current status of the file, which can be either
            `uploaded`, `processed`, or `error`.
        status_details (None | str | Unset): Deprecated. For details on why a fine-tuning training file failed
            validation, see the `error` field on `fine_tuning.job`.
    """

    id: str
    bytes_: int
    created_at: int
    filename: str
    object_: OpenAIFileObject
    purpose: KnownFilePurpose | str
    expires_at: int | None | Unset = UNSET
    status: KnownFileStatus | str | Unset = UNSET
    status_details: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        bytes_ = self.bytes_

        created_at = self.created_at

        filename = self.filename

        object_: str = self.object_

        purpose: str
        if isinstance(self.purpose, str):
            purpose = self.purpose
        else:
            purpose = self.purpose

        expires_at: int | None | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = self.expires_at

        status: str | Unset
        if isinstance(self.status, Unset):
            status = UNSET
        elif isinstance(self.status, str):
            status = self.status
        else:
            status = self.status

        status_details: None | str | Unset
        if isinstance(self.status_details, Unset):
            status_details = UNSET
        else:
            status_details = self.status_details

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "bytes": bytes_,
                "created_at": created_at,
                "filename": filename,
                "object": object_,
                "purpose": purpose,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at
        if status is not UNSET:
            field_dict["status"] = status
        if status_details is not UNSET:
            field_dict["status_details"] = status_details

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        bytes_ = d.pop("bytes")

        created_at = d.pop("created_at")

        filename = d.pop("filename")

        object_ = check_open_ai_file_object(d.pop("object"))

        def _parse_purpose(data: object) -> KnownFilePurpose | str:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                purpose_type_0 = check_known_file_purpose(data)

                return purpose_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KnownFilePurpose | str, data)

        purpose = _parse_purpose(d.pop("purpose"))

        def _parse_expires_at(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        def _parse_status(data: object) -> KnownFileStatus | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = check_known_file_status(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KnownFileStatus | str | Unset, data)

        status = _parse_status(d.pop("status", UNSET))

        def _parse_status_details(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        status_details = _parse_status_details(d.pop("status_details", UNSET))

        open_ai_file = cls(
            id=id,
            bytes_=bytes_,
            created_at=created_at,
            filename=filename,
            object_=object_,
            purpose=purpose,
            expires_at=expires_at,
            status=status,
            status_details=status_details,
        )

        open_ai_file.additional_properties = d
        return open_ai_file

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
