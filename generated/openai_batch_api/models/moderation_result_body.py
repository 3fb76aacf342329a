from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.moderation_result_body_type import ModerationResultBodyType, check_moderation_result_body_type

if TYPE_CHECKING:
    from ..models.moderation_result_body_categories import ModerationResultBodyCategories
    from ..models.moderation_result_body_category_applied_input_types import (
        ModerationResultBodyCategoryAppliedInputTypes,
    )
    from ..models.moderation_result_body_category_scores import ModerationResultBodyCategoryScores


T = TypeVar("T", bound="ModerationResultBody")


@_attrs_define
class ModerationResultBody:
    """A moderation result produced for the response input or output.

    Attributes:
        type_ (ModerationResultBodyType): The object type, which was always `moderation_result` for successful
            moderation results.
        model (str): The moderation model that produced this result.
        flagged (bool): A boolean indicating whether the content was flagged by any category.
        categories (ModerationResultBodyCategories): A dictionary of moderation categories to booleans, True if the
            input is flagged under this category.
        category_scores (ModerationResultBodyCategoryScores): A dictionary of moderation categories to scores.
        category_applied_input_types (ModerationResultBodyCategoryAppliedInputTypes): Which modalities of input are
            reflected by the score for each category.
    """

    type_: ModerationResultBodyType
    model: str
    flagged: bool
    categories: ModerationResultBodyCategories
    category_scores: ModerationResultBodyCategoryScores
    category_applied_input_types: ModerationResultBodyCategoryAppliedInputTypes
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_: str = self.type_

        model = self.model

        flagged = self.flagged

        categories = self.categories.to_dict()

        category_scores = self.category_scores.to_dict()

        category_applied_input_types = self.category_applied_input_types.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "model": model,
                "flagged": flagged,
                "categories": categories,
                "category_scores": category_scores,
                "category_applied_input_types": category_applied_input_types,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.moderation_result_body_categories import ModerationResultBodyCategories  # noqa: PLC0415
        from ..models.moderation_result_body_category_applied_input_types import (
            ModerationResultBodyCategoryAppliedInputTypes,  # noqa: PLC0415
        )
        from ..models.moderation_result_body_category_scores import ModerationResultBodyCategoryScores  # noqa: PLC0415

        d = dict(src_dict)
        type_ = check_moderation_result_body_type(d.pop("type"))

        model = d.pop("model")

        flagged = d.pop("flagged")

        categories = ModerationResultBodyCategories.from_dict(d.pop("categories"))

        category_scores = ModerationResultBodyCategoryScores.from_dict(d.pop("category_scores"))

        category_applied_input_types = ModerationResultBodyCategoryAppliedInputTypes.from_dict(
            d.pop("category_applied_input_types")
        )

        moderation_result_body = cls(
            type_=type_,
            model=model,
            flagged=flagged,
            categories=categories,
            category_scores=category_scores,
            category_applied_input_types=category_applied_input_types,
        )

        moderation_result_body.additional_properties = d
        return moderation_result_body

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
