from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_moderation_response_results_item_category_applied_input_types_harassment_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentItem,
    check_create_moderation_response_results_item_category_applied_input_types_harassment_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_harassmentthreatening_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem,
    check_create_moderation_response_results_item_category_applied_input_types_harassmentthreatening_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_hate_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesHateItem,
    check_create_moderation_response_results_item_category_applied_input_types_hate_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_hatethreatening_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesHatethreateningItem,
    check_create_moderation_response_results_item_category_applied_input_types_hatethreatening_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_illicit_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem,
    check_create_moderation_response_results_item_category_applied_input_types_illicit_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_illicitviolent_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem,
    check_create_moderation_response_results_item_category_applied_input_types_illicitviolent_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_self_harm_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmItem,
    check_create_moderation_response_results_item_category_applied_input_types_self_harm_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_self_harminstructions_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarminstructionsItem,
    check_create_moderation_response_results_item_category_applied_input_types_self_harminstructions_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_self_harmintent_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmintentItem,
    check_create_moderation_response_results_item_category_applied_input_types_self_harmintent_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_sexual_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem,
    check_create_moderation_response_results_item_category_applied_input_types_sexual_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_sexualminors_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualminorsItem,
    check_create_moderation_response_results_item_category_applied_input_types_sexualminors_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_violence_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesViolenceItem,
    check_create_moderation_response_results_item_category_applied_input_types_violence_item,
)
from ..models.create_moderation_response_results_item_category_applied_input_types_violencegraphic_item import (
    CreateModerationResponseResultsItemCategoryAppliedInputTypesViolencegraphicItem,
    check_create_moderation_response_results_item_category_applied_input_types_violencegraphic_item,
)

T = TypeVar("T", bound="CreateModerationResponseResultsItemCategoryAppliedInputTypes")


@_attrs_define
class CreateModerationResponseResultsItemCategoryAppliedInputTypes:
    """A list of the categories along with the input type(s) that the score applies to.

    Attributes:
        hate (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHateItem]): The applied input type(s) for
            the category 'hate'.
        hatethreatening (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHatethreateningItem]): The
            applied input type(s) for the category 'hate/threatening'.
        harassment (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentItem]): The applied input
            type(s) for the category 'harassment'.
        harassmentthreatening
            (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem]): The applied input
            type(s) for the category 'harassment/threatening'.
        illicit (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem]): The applied input
            type(s) for the category 'illicit'.
        illicitviolent (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem]): The
            applied input type(s) for the category 'illicit/violent'.
        self_harm (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmItem]): The applied input
            type(s) for the category 'self-harm'.
        self_harmintent (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmintentItem]): The
            applied input type(s) for the category 'self-harm/intent'.
        self_harminstructions
            (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarminstructionsItem]): The applied input
            type(s) for the category 'self-harm/instructions'.
        sexual (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem]): The applied input type(s)
            for the category 'sexual'.
        sexualminors (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualminorsItem]): The applied
            input type(s) for the category 'sexual/minors'.
        violence (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesViolenceItem]): The applied input
            type(s) for the category 'violence'.
        violencegraphic (list[CreateModerationResponseResultsItemCategoryAppliedInputTypesViolencegraphicItem]): The
            applied input type(s) for the category 'violence/graphic'.
    """

    hate: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHateItem]
    hatethreatening: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHatethreateningItem]
    harassment: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentItem]
    harassmentthreatening: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem]
    illicit: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem]
    illicitviolent: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem]
    self_harm: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmItem]
    self_harmintent: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmintentItem]
    self_harminstructions: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarminstructionsItem]
    sexual: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem]
    sexualminors: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualminorsItem]
    violence: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesViolenceItem]
    violencegraphic: list[CreateModerationResponseResultsItemCategoryAppliedInputTypesViolencegraphicItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        hate = []
        for hate_item_data in self.hate:
            hate_item: str = hate_item_data
            hate.append(hate_item)

        hatethreatening = []
        for hatethreatening_item_data in self.hatethreatening:
            hatethreatening_item: str = hatethreatening_item_data
            hatethreatening.append(hatethreatening_item)

        harassment = []
        for harassment_item_data in self.harassment:
            harassment_item: str = harassment_item_data
            harassment.append(harassment_item)

        harassmentthreatening = []
        for harassmentthreatening_item_data in self.harassmentthreatening:
            harassmentthreatening_item: str = harassmentthreatening_item_data
            harassmentthreatening.append(harassmentthreatening_item)

        illicit = []
        for illicit_item_data in self.illicit:
            illicit_item: str = illicit_item_data
            illicit.append(illicit_item)

        illicitviolent = []
        for illicitviolent_item_data in self.illicitviolent:
            illicitviolent_item: str = illicitviolent_item_data
            illicitviolent.append(illicitviolent_item)

        self_harm = []
        for self_harm_item_data in self.self_harm:
            self_harm_item: str = self_harm_item_data
            self_harm.append(self_harm_item)

        self_harmintent = []
        for self_harmintent_item_data in self.self_harmintent:
            self_harmintent_item: str = self_harmintent_item_data
            self_harmintent.append(self_harmintent_item)

        self_harminstructions = []
        for self_harminstructions_item_data in self.self_harminstructions:
            self_harminstructions_item: str = self_harminstructions_item_data
            self_harminstructions.append(self_harminstructions_item)

        sexual = []
        for sexual_item_data in self.sexual:
            sexual_item: str = sexual_item_data
            sexual.append(sexual_item)

        sexualminors = []
        for sexualminors_item_data in self.sexualminors:
            sexualminors_item: str = sexualminors_item_data
            sexualminors.append(sexualminors_item)

        violence = []
        for violence_item_data in self.violence:
            violence_item: str = violence_item_data
            violence.append(violence_item)

        violencegraphic = []
        for violencegraphic_item_data in self.violencegraphic:
            violencegraphic_item: str = violencegraphic_item_data
            violencegraphic.append(violencegraphic_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "hate": hate,
                "hate/threatening": hatethreatening,
                "harassment": harassment,
                "harassment/threatening": harassmentthreatening,
                "illicit": illicit,
                "illicit/violent": illicitviolent,
                "self-harm": self_harm,
                "self-harm/intent": self_harmintent,
                "self-harm/instructions": self_harminstructions,
                "sexual": sexual,
                "sexual/minors": sexualminors,
                "violence": violence,
                "violence/graphic": violencegraphic,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        hate = []
        _hate = d.pop("hate")
        for hate_item_data in _hate:
            hate_item = check_create_moderation_response_results_item_category_applied_input_types_hate_item(
                hate_item_data
            )

            hate.append(hate_item)

        hatethreatening = []
        _hatethreatening = d.pop("hate/threatening")
        for hatethreatening_item_data in _hatethreatening:
            hatethreatening_item = (
                check_create_moderation_response_results_item_category_applied_input_types_hatethreatening_item(
                    hatethreatening_item_data
                )
            )

            hatethreatening.append(hatethreatening_item)

        harassment = []
        _harassment = d.pop("harassment")
        for harassment_item_data in _harassment:
            harassment_item = (
                check_create_moderation_response_results_item_category_applied_input_types_harassment_item(
                    harassment_item_data
                )
            )

            harassment.append(harassment_item)

        harassmentthreatening = []
        _harassmentthreatening = d.pop("harassment/threatening")
        for harassmentthreatening_item_data in _harassmentthreatening:
            harassmentthreatening_item = (
                check_create_moderation_response_results_item_category_applied_input_types_harassmentthreatening_item(
                    harassmentthreatening_item_data
                )
            )

            harassmentthreatening.append(harassmentthreatening_item)

        illicit = []
        _illicit = d.pop("illicit")
        for illicit_item_data in _illicit:
            illicit_item = check_create_moderation_response_results_item_category_applied_input_types_illicit_item(
                illicit_item_data
            )

            illicit.append(illicit_item)

        illicitviolent = []
        _illicitviolent = d.pop("illicit/violent")
        for illicitviolent_item_data in _illicitviolent:
            illicitviolent_item = (
                check_create_moderation_response_results_item_category_applied_input_types_illicitviolent_item(
                    illicitviolent_item_data
                )
            )

            illicitviolent.append(illicitviolent_item)

        self_harm = []
        _self_harm = d.pop("self-harm")
        for self_harm_item_data in _self_harm:
            self_harm_item = check_create_moderation_response_results_item_category_applied_input_types_self_harm_item(
                self_harm_item_data
            )

            self_harm.append(self_harm_item)

        self_harmintent = []
        _self_harmintent = d.pop("self-harm/intent")
        for self_harmintent_item_data in _self_harmintent:
            self_harmintent_item = (
                check_create_moderation_response_results_item_category_applied_input_types_self_harmintent_item(
                    self_harmintent_item_data
                )
            )

            self_harmintent.append(self_harmintent_item)

        self_harminstructions = []
        _self_harminstructions = d.pop("self-harm/instructions")
        for self_harminstructions_item_data in _self_harminstructions:
            self_harminstructions_item = (
                check_create_moderation_response_results_item_category_applied_input_types_self_harminstructions_item(
                    self_harminstructions_item_data
                )
            )

            self_harminstructions.append(self_harminstructions_item)

        sexual = []
        _sexual = d.pop("sexual")
        for sexual_item_data in _sexual:
            sexual_item = check_create_moderation_response_results_item_category_applied_input_types_sexual_item(
                sexual_item_data
            )

            sexual.append(sexual_item)

        sexualminors = []
        _sexualminors = d.pop("sexual/minors")
        for sexualminors_item_data in _sexualminors:
            sexualminors_item = (
                check_create_moderation_response_results_item_category_applied_input_types_sexualminors_item(
                    sexualminors_item_data
                )
            )

            sexualminors.append(sexualminors_item)

        violence = []
        _violence = d.pop("violence")
        for violence_item_data in _violence:
            violence_item = check_create_moderation_response_results_item_category_applied_input_types_violence_item(
                violence_item_data
            )

            violence.append(violence_item)

        violencegraphic = []
        _violencegraphic = d.pop("violence/graphic")
        for violencegraphic_item_data in _violencegraphic:
            violencegraphic_item = (
                check_create_moderation_response_results_item_category_applied_input_types_violencegraphic_item(
                    violencegraphic_item_data
                )
            )

            violencegraphic.append(violencegraphic_item)

        create_moderation_response_results_item_category_applied_input_types = cls(
            hate=hate,
            hatethreatening=hatethreatening,
            harassment=harassment,
            harassmentthreatening=harassmentthreatening,
            illicit=illicit,
            illicitviolent=illicitviolent,
            self_harm=self_harm,
            self_harmintent=self_harmintent,
            self_harminstructions=self_harminstructions,
            sexual=sexual,
            sexualminors=sexualminors,
            violence=violence,
            violencegraphic=violencegraphic,
        )

        create_moderation_response_results_item_category_applied_input_types.additional_properties = d
        return create_moderation_response_results_item_category_applied_input_types

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
