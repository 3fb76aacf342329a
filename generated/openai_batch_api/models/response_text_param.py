from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.verbosity import Verbosity, check_verbosity
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.response_format_json_object import ResponseFormatJsonObject
    from ..models.response_format_text import ResponseFormatText


T = TypeVar("T", bound="ResponseTextParam")


@_attrs_define
class ResponseTextParam:
    """Configuration options for a text response from the model. Can be plain
    text or structured JSON data. Learn more:
    - [Text inputs and outputs](/docs/guides/text)
    - [Structured Outputs](/docs/guides/structured-outputs)

        Attributes:
            format_ (Any | ResponseFormatJsonObject | ResponseFormatText | Unset): An object specifying the format that the
                model must output.

                Configuring `{ "type": "json_schema" }` enables Structured Outputs,
                which ensures the model will match your supplied JSON schema. Learn more in the
                [Structured Outputs guide](/docs/guides/structured-outputs).

                The default format is `{ "type": "text" }` with no additional options.

                **Not recommended for gpt-4o and newer models:**

                Setting to `{ "type": "json_object" }` enables the older JSON mode, which
                ensures the message the model generates is valid JSON. Using `json_schema`
                is preferred for models that support it.
            verbosity (None | Unset | Verbosity):
    """

    format_: Any | ResponseFormatJsonObject | ResponseFormatText | Unset = UNSET
    verbosity: None | Unset | Verbosity = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.response_format_json_object import ResponseFormatJsonObject  # noqa: PLC0415
        from ..models.response_format_text import ResponseFormatText  # noqa: PLC0415

        format_: Any | dict[str, Any] | Unset
        if isinstance(self.format_, Unset):
            format_ = UNSET
        elif isinstance(self.format_, ResponseFormatText):
            format_ = self.format_.to_dict()
        elif isinstance(self.format_, ResponseFormatJsonObject):
            format_ = self.format_.to_dict()
        else:
            format_ = self.format_

        verbosity: None | str | Unset
        if isinstance(self.verbosity, Unset):
            verbosity = UNSET
        elif isinstance(self.verbosity, str):
            verbosity = self.verbosity
        else:
            verbosity = self.verbosity

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if format_ is not UNSET:
            field_dict["format"] = format_
        if verbosity is not UNSET:
            field_dict["verbosity"] = verbosity

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.response_format_json_object import ResponseFormatJsonObject  # noqa: PLC0415
        from ..models.response_format_text import ResponseFormatText  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_format_(data: object) -> Any | ResponseFormatJsonObject | ResponseFormatText | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_text_response_format_configuration_type_0 = ResponseFormatText.from_dict(data)

                return componentsschemas_text_response_format_configuration_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_text_response_format_configuration_type_2 = ResponseFormatJsonObject.from_dict(data)

                return componentsschemas_text_response_format_configuration_type_2
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Any | ResponseFormatJsonObject | ResponseFormatText | Unset, data)

        format_ = _parse_format_(d.pop("format", UNSET))

        def _parse_verbosity(data: object) -> None | Unset | Verbosity:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_verbosity_type_0 = check_verbosity(data)

                return componentsschemas_verbosity_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | Verbosity, data)

        verbosity = _parse_verbosity(d.pop("verbosity", UNSET))

        response_text_param = cls(
            format_=format_,
            verbosity=verbosity,
        )

        response_text_param.additional_properties = d
        return response_text_param

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
