from typing import Literal

CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem = Literal["text"]

CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_ILLICITVIOLENT_ITEM_VALUES: set[
    CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem
] = {
    "text",
}


def check_create_moderation_response_results_item_category_applied_input_types_illicitviolent_item(
    value: str,
) -> CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem:
    if value in CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_ILLICITVIOLENT_ITEM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_ILLICITVIOLENT_ITEM_VALUES!r}"
    )
