from typing import Literal

CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem = Literal["text"]

CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_HARASSMENTTHREATENING_ITEM_VALUES: set[
    CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem
] = {
    "text",
}


def check_create_moderation_response_results_item_category_applied_input_types_harassmentthreatening_item(
    value: str,
) -> CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem:
    if value in CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_HARASSMENTTHREATENING_ITEM_VALUES:
        return value
    raise TypeError(
        f"Unexpected value {value!r}. Expected one of {CREATE_MODERATION_RESPONSE_RESULTS_ITEM_CATEGORY_APPLIED_INPUT_TYPES_HARASSMENTTHREATENING_ITEM_VALUES!r}"
    )
