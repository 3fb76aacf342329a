from typing import Literal

CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem = Literal["text"]

CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_ILLICIT_ITEM_VALUES: set[
    CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem
] = {
    "text",
}


def check_create_moderation_response_results_item_category_applied_input_types_illicit_item(
    value: str,
) -> CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem:
    if value in CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_ILLICIT_ITEM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_ILLICIT_ITEM_VALUES!r}"
    )
