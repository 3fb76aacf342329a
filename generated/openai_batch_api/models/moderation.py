from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.moderation_error_body import ModerationErrorBody
    from ..models.moderation_result_body import ModerationResultBody


T = TypeVar("T", bound="Moderation")


@_attrs_define
class Moderation:
    """Moderation results or errors for the response input and output.

    Attributes:
        input_ (ModerationErrorBody | ModerationResultBody): Moderation for the response input.
        output (ModerationErrorBody | ModerationResultBody): Moderation for the response output.
    """

    input_: ModerationErrorBody | ModerationResultBody
    output: ModerationErrorBody | ModerationResultBody
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.moderation_result_body import ModerationResultBody  # noqa: PLC0415

        input_: dict[str, Any]
        if isinstance(self.input_, ModerationResultBody):
            input_ = self.input_.to_dict()
        else:
            input_ = self.input_.to_dict()

        output: dict[str, Any]
        if isinstance(self.output, ModerationResultBody):
            output = self.output.to_dict()
        else:
            output = self.output.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "input": input_,
                "output": output,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.moderation_error_body import ModerationErrorBody  # noqa: PLC0415
        from ..models.moderation_result_body import ModerationResultBody  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_input_(data: object) -> ModerationErrorBody | ModerationResultBody:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                input_type_0 = ModerationResultBody.from_dict(data)

                return input_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            input_type_1 = ModerationErrorBody.from_dict(data)

            return input_type_1

        input_ = _parse_input_(d.pop("input"))

        def _parse_output(data: object) -> ModerationErrorBody | ModerationResultBody:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                output_type_0 = ModerationResultBody.from_dict(data)

                return output_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            output_type_1 = ModerationErrorBody.from_dict(data)

            return output_type_1

        output = _parse_output(d.pop("output"))

        moderation = cls(
            input_=input_,
            output=output,
        )

        moderation.additional_properties = d
        return moderation

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
