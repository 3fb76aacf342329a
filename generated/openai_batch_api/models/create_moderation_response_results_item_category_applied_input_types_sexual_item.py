from typing import Literal

CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem = Literal["image", "text"]

CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_SEXUAL_ITEM_VALUES: set[
    CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem
] = {
    "image",
    "text",
}


def check_create_moderation_response_results_item_category_applied_input_types_sexual_item(
    value: str,
) -> CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem:
    if value in CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_SEXUAL_ITEM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_SEXUAL_ITEM_VALUES!r}"
    )
