"""Contains all the data models used in inputs/outputs

Each model's module is imported on first use of its name (PEP 562 `__getattr__`): the
models of the endpoints' result bodies are many, and code that only needs `Batch` should
not import them all. Type checkers read the imports under TYPE_CHECKING.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .batch import Batch
    from .batch_error import BatchError
    from .batch_errors import BatchErrors
    from .batch_file_expiration_after import BatchFileExpirationAfter
    from .batch_file_expiration_after_anchor import BatchFileExpirationAfterAnchor
    from .batch_object import BatchObject
    from .batch_request_counts import BatchRequestCounts
    from .batch_usage import BatchUsage
    from .batch_usage_input_tokens_details import BatchUsageInputTokensDetails
    from .batch_usage_output_tokens_details import BatchUsageOutputTokensDetails
    from .chat_completion_message_custom_tool_call import ChatCompletionMessageCustomToolCall
    from .chat_completion_message_custom_tool_call_custom import ChatCompletionMessageCustomToolCallCustom
    from .chat_completion_message_custom_tool_call_type import ChatCompletionMessageCustomToolCallType
    from .chat_completion_message_tool_call import ChatCompletionMessageToolCall
    from .chat_completion_message_tool_call_function import ChatCompletionMessageToolCallFunction
    from .chat_completion_message_tool_call_type import ChatCompletionMessageToolCallType
    from .chat_completion_moderation import ChatCompletionModeration
    from .chat_completion_moderation_error import ChatCompletionModerationError
    from .chat_completion_moderation_error_type import ChatCompletionModerationErrorType
    from .chat_completion_moderation_results import ChatCompletionModerationResults
    from .chat_completion_moderation_results_type import ChatCompletionModerationResultsType
    from .chat_completion_response_message import ChatCompletionResponseMessage
    from .chat_completion_response_message_annotations_item import ChatCompletionResponseMessageAnnotationsItem
    from .chat_completion_response_message_annotations_item_type import ChatCompletionResponseMessageAnnotationsItemType
    from .chat_completion_response_message_annotations_item_url_citation import (
        ChatCompletionResponseMessageAnnotationsItemUrlCitation,
    )
    from .chat_completion_response_message_audio import ChatCompletionResponseMessageAudio
    from .chat_completion_response_message_function_call import ChatCompletionResponseMessageFunctionCall
    from .chat_completion_response_message_role import ChatCompletionResponseMessageRole
    from .chat_completion_token_logprob import ChatCompletionTokenLogprob
    from .chat_completion_token_logprob_top_logprobs_item import ChatCompletionTokenLogprobTopLogprobsItem
    from .completion_usage import CompletionUsage
    from .completion_usage_completion_tokens_details import CompletionUsageCompletionTokensDetails
    from .completion_usage_prompt_tokens_details import CompletionUsagePromptTokensDetails
    from .create_batch_request import CreateBatchRequest
    from .create_batch_request_completion_window import CreateBatchRequestCompletionWindow
    from .create_batch_request_endpoint import CreateBatchRequestEndpoint
    from .create_chat_completion_response import CreateChatCompletionResponse
    from .create_chat_completion_response_choices_item import CreateChatCompletionResponseChoicesItem
    from .create_chat_completion_response_choices_item_finish_reason import (
        CreateChatCompletionResponseChoicesItemFinishReason,
    )
    from .create_chat_completion_response_choices_item_logprobs import CreateChatCompletionResponseChoicesItemLogprobs
    from .create_chat_completion_response_object import CreateChatCompletionResponseObject
    from .create_completion_response import CreateCompletionResponse
    from .create_completion_response_choices_item import CreateCompletionResponseChoicesItem
    from .create_completion_response_choices_item_finish_reason import CreateCompletionResponseChoicesItemFinishReason
    from .create_completion_response_choices_item_logprobs import CreateCompletionResponseChoicesItemLogprobs
    from .create_completion_response_choices_item_logprobs_top_logprobs_item import (
        CreateCompletionResponseChoicesItemLogprobsTopLogprobsItem,
    )
    from .create_completion_response_object import CreateCompletionResponseObject
    from .create_embedding_response import CreateEmbeddingResponse
    from .create_embedding_response_object import CreateEmbeddingResponseObject
    from .create_embedding_response_usage import CreateEmbeddingResponseUsage
    from .create_file_request import CreateFileRequest
    from .create_file_request_purpose import CreateFileRequestPurpose
    from .create_moderation_response import CreateModerationResponse
    from .create_moderation_response_results_item import CreateModerationResponseResultsItem
    from .create_moderation_response_results_item_categories import CreateModerationResponseResultsItemCategories
    from .create_moderation_response_results_item_category_applied_input_types import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypes,
    )
    from .create_moderation_response_results_item_category_applied_input_types_harassment_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_harassmentthreatening_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_hate_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesHateItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_hatethreatening_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesHatethreateningItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_illicit_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_illicitviolent_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_self_harm_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_self_harminstructions_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarminstructionsItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_self_harmintent_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmintentItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_sexual_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_sexualminors_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualminorsItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_violence_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesViolenceItem,
    )
    from .create_moderation_response_results_item_category_applied_input_types_violencegraphic_item import (
        CreateModerationResponseResultsItemCategoryAppliedInputTypesViolencegraphicItem,
    )
    from .create_moderation_response_results_item_category_scores import (
        CreateModerationResponseResultsItemCategoryScores,
    )
    from .delete_file_response import DeleteFileResponse
    from .delete_file_response_object import DeleteFileResponseObject
    from .embedding import Embedding
    from .embedding_object import EmbeddingObject
    from .file_expiration_after import FileExpirationAfter
    from .file_expiration_after_anchor import FileExpirationAfterAnchor
    from .known_batch_status import KnownBatchStatus
    from .known_file_purpose import KnownFilePurpose
    from .known_file_status import KnownFileStatus
    from .known_model_ids_shared import KnownModelIdsShared
    from .known_reasoning_mode import KnownReasoningMode
    from .list_batches_response import ListBatchesResponse
    from .list_batches_response_object import ListBatchesResponseObject
    from .list_files_order import ListFilesOrder
    from .list_files_response import ListFilesResponse
    from .metadata import Metadata
    from .model_response_properties import ModelResponseProperties
    from .model_response_properties_prompt_cache_retention import ModelResponsePropertiesPromptCacheRetention
    from .moderation import Moderation
    from .moderation_error_body import ModerationErrorBody
    from .moderation_error_body_type import ModerationErrorBodyType
    from .moderation_input_type import ModerationInputType
    from .moderation_result_body import ModerationResultBody
    from .moderation_result_body_categories import ModerationResultBodyCategories
    from .moderation_result_body_category_applied_input_types import ModerationResultBodyCategoryAppliedInputTypes
    from .moderation_result_body_category_scores import ModerationResultBodyCategoryScores
    from .moderation_result_body_type import ModerationResultBodyType
    from .open_ai_file import OpenAIFile
    from .open_ai_file_object import OpenAIFileObject
    from .prompt import Prompt
    from .prompt_cache_mode_enum import PromptCacheModeEnum
    from .prompt_cache_options import PromptCacheOptions
    from .prompt_cache_ttl_enum import PromptCacheTTLEnum
    from .prompt_variables import PromptVariables
    from .reasoning import Reasoning
    from .reasoning_context import ReasoningContext
    from .reasoning_effort import ReasoningEffort
    from .reasoning_generate_summary import ReasoningGenerateSummary
    from .reasoning_summary import ReasoningSummary
    from .response import Response
    from .response_conversation import ResponseConversation
    from .response_error import ResponseError
    from .response_error_code import ResponseErrorCode
    from .response_format_json_object import ResponseFormatJsonObject
    from .response_format_json_object_type import ResponseFormatJsonObjectType
    from .response_format_text import ResponseFormatText
    from .response_format_text_type import ResponseFormatTextType
    from .response_incomplete_details import ResponseIncompleteDetails
    from .response_incomplete_details_reason import ResponseIncompleteDetailsReason
    from .response_object import ResponseObject
    from .response_properties import ResponseProperties
    from .response_status import ResponseStatus
    from .response_text_param import ResponseTextParam
    from .response_truncation import ResponseTruncation
    from .response_usage import ResponseUsage
    from .response_usage_input_tokens_details import ResponseUsageInputTokensDetails
    from .response_usage_output_tokens_details import ResponseUsageOutputTokensDetails
    from .responses_only_model import ResponsesOnlyModel
    from .service_tier import ServiceTier
    from .service_tier_responses import ServiceTierResponses
    from .verbosity import Verbosity

_MODULE_OF = {
    "Batch": ".batch",
    "BatchError": ".batch_error",
    "BatchErrors": ".batch_errors",
    "BatchFileExpirationAfter": ".batch_file_expiration_after",
    "BatchFileExpirationAfterAnchor": ".batch_file_expiration_after_anchor",
    "BatchObject": ".batch_object",
    "BatchRequestCounts": ".batch_request_counts",
    "BatchUsage": ".batch_usage",
    "BatchUsageInputTokensDetails": ".batch_usage_input_tokens_details",
    "BatchUsageOutputTokensDetails": ".batch_usage_output_tokens_details",
    "ChatCompletionMessageCustomToolCall": ".chat_completion_message_custom_tool_call",
    "ChatCompletionMessageCustomToolCallCustom": ".chat_completion_message_custom_tool_call_custom",
    "ChatCompletionMessageCustomToolCallType": ".chat_completion_message_custom_tool_call_type",
    "ChatCompletionMessageToolCall": ".chat_completion_message_tool_call",
    "ChatCompletionMessageToolCallFunction": ".chat_completion_message_tool_call_function",
    "ChatCompletionMessageToolCallType": ".chat_completion_message_tool_call_type",
    "ChatCompletionModeration": ".chat_completion_moderation",
    "ChatCompletionModerationError": ".chat_completion_moderation_error",
    "ChatCompletionModerationErrorType": ".chat_completion_moderation_error_type",
    "ChatCompletionModerationResults": ".chat_completion_moderation_results",
    "ChatCompletionModerationResultsType": ".chat_completion_moderation_results_type",
    "ChatCompletionResponseMessage": ".chat_completion_response_message",
    "ChatCompletionResponseMessageAnnotationsItem": ".chat_completion_response_message_annotations_item",
    "ChatCompletionResponseMessageAnnotationsItemType": ".chat_completion_response_message_annotations_item_type",
    "ChatCompletionResponseMessageAnnotationsItemUrlCitation": ".chat_completion_response_message_annotations_item_url_citation",
    "ChatCompletionResponseMessageAudio": ".chat_completion_response_message_audio",
    "ChatCompletionResponseMessageFunctionCall": ".chat_completion_response_message_function_call",
    "ChatCompletionResponseMessageRole": ".chat_completion_response_message_role",
    "ChatCompletionTokenLogprob": ".chat_completion_token_logprob",
    "ChatCompletionTokenLogprobTopLogprobsItem": ".chat_completion_token_logprob_top_logprobs_item",
    "CompletionUsage": ".completion_usage",
    "CompletionUsageCompletionTokensDetails": ".completion_usage_completion_tokens_details",
    "CompletionUsagePromptTokensDetails": ".completion_usage_prompt_tokens_details",
    "CreateBatchRequest": ".create_batch_request",
    "CreateBatchRequestCompletionWindow": ".create_batch_request_completion_window",
    "CreateBatchRequestEndpoint": ".create_batch_request_endpoint",
    "CreateChatCompletionResponse": ".create_chat_completion_response",
    "CreateChatCompletionResponseChoicesItem": ".create_chat_completion_response_choices_item",
    "CreateChatCompletionResponseChoicesItemFinishReason": ".create_chat_completion_response_choices_item_finish_reason",
    "CreateChatCompletionResponseChoicesItemLogprobs": ".create_chat_completion_response_choices_item_logprobs",
    "CreateChatCompletionResponseObject": ".create_chat_completion_response_object",
    "CreateCompletionResponse": ".create_completion_response",
    "CreateCompletionResponseChoicesItem": ".create_completion_response_choices_item",
    "CreateCompletionResponseChoicesItemFinishReason": ".create_completion_response_choices_item_finish_reason",
    "CreateCompletionResponseChoicesItemLogprobs": ".create_completion_response_choices_item_logprobs",
    "CreateCompletionResponseChoicesItemLogprobsTopLogprobsItem": ".create_completion_response_choices_item_logprobs_top_logprobs_item",
    "CreateCompletionResponseObject": ".create_completion_response_object",
    "CreateEmbeddingResponse": ".create_embedding_response",
    "CreateEmbeddingResponseObject": ".create_embedding_response_object",
    "CreateEmbeddingResponseUsage": ".create_embedding_response_usage",
    "CreateFileRequest": ".create_file_request",
    "CreateFileRequestPurpose": ".create_file_request_purpose",
    "CreateModerationResponse": ".create_moderation_response",
    "CreateModerationResponseResultsItem": ".create_moderation_response_results_item",
    "CreateModerationResponseResultsItemCategories": ".create_moderation_response_results_item_categories",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypes": ".create_moderation_response_results_item_category_applied_input_types",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentItem": ".create_moderation_response_results_item_category_applied_input_types_harassment_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem": ".create_moderation_response_results_item_category_applied_input_types_harassmentthreatening_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHateItem": ".create_moderation_response_results_item_category_applied_input_types_hate_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHatethreateningItem": ".create_moderation_response_results_item_category_applied_input_types_hatethreatening_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem": ".create_moderation_response_results_item_category_applied_input_types_illicit_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem": ".create_moderation_response_results_item_category_applied_input_types_illicitviolent_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmItem": ".create_moderation_response_results_item_category_applied_input_types_self_harm_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarminstructionsItem": ".create_moderation_response_results_item_category_applied_input_types_self_harminstructions_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmintentItem": ".create_moderation_response_results_item_category_applied_input_types_self_harmintent_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem": ".create_moderation_response_results_item_category_applied_input_types_sexual_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualminorsItem": ".create_moderation_response_results_item_category_applied_input_types_sexualminors_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesViolenceItem": ".create_moderation_response_results_item_category_applied_input_types_violence_item",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesViolencegraphicItem": ".create_moderation_response_results_item_category_applied_input_types_violencegraphic_item",
    "CreateModerationResponseResultsItemCategoryScores": ".create_moderation_response_results_item_category_scores",
    "DeleteFileResponse": ".delete_file_response",
    "DeleteFileResponseObject": ".delete_file_response_object",
    "Embedding": ".embedding",
    "EmbeddingObject": ".embedding_object",
    "FileExpirationAfter": ".file_expiration_after",
    "FileExpirationAfterAnchor": ".file_expiration_after_anchor",
    "KnownBatchStatus": ".known_batch_status",
    "KnownFilePurpose": ".known_file_purpose",
    "KnownFileStatus": ".known_file_status",
    "KnownModelIdsShared": ".known_model_ids_shared",
    "KnownReasoningMode": ".known_reasoning_mode",
    "ListBatchesResponse": ".list_batches_response",
    "ListBatchesResponseObject": ".list_batches_response_object",
    "ListFilesOrder": ".list_files_order",
    "ListFilesResponse": ".list_files_response",
    "Metadata": ".metadata",
    "ModelResponseProperties": ".model_response_properties",
    "ModelResponsePropertiesPromptCacheRetention": ".model_response_properties_prompt_cache_retention",
    "Moderation": ".moderation",
    "ModerationErrorBody": ".moderation_error_body",
    "ModerationErrorBodyType": ".moderation_error_body_type",
    "ModerationInputType": ".moderation_input_type",
    "ModerationResultBody": ".moderation_result_body",
    "ModerationResultBodyCategories": ".moderation_result_body_categories",
    "ModerationResultBodyCategoryAppliedInputTypes": ".moderation_result_body_category_applied_input_types",
    "ModerationResultBodyCategoryScores": ".moderation_result_body_category_scores",
    "ModerationResultBodyType": ".moderation_result_body_type",
    "OpenAIFile": ".open_ai_file",
    "OpenAIFileObject": ".open_ai_file_object",
    "Prompt": ".prompt",
    "PromptCacheModeEnum": ".prompt_cache_mode_enum",
    "PromptCacheOptions": ".prompt_cache_options",
    "PromptCacheTTLEnum": ".prompt_cache_ttl_enum",
    "PromptVariables": ".prompt_variables",
    "Reasoning": ".reasoning",
    "ReasoningContext": ".reasoning_context",
    "ReasoningEffort": ".reasoning_effort",
    "ReasoningGenerateSummary": ".reasoning_generate_summary",
    "ReasoningSummary": ".reasoning_summary",
    "Response": ".response",
    "ResponseConversation": ".response_conversation",
    "ResponseError": ".response_error",
    "ResponseErrorCode": ".response_error_code",
    "ResponseFormatJsonObject": ".response_format_json_object",
    "ResponseFormatJsonObjectType": ".response_format_json_object_type",
    "ResponseFormatText": ".response_format_text",
    "ResponseFormatTextType": ".response_format_text_type",
    "ResponseIncompleteDetails": ".response_incomplete_details",
    "ResponseIncompleteDetailsReason": ".response_incomplete_details_reason",
    "ResponseObject": ".response_object",
    "ResponseProperties": ".response_properties",
    "ResponseStatus": ".response_status",
    "ResponseTextParam": ".response_text_param",
    "ResponseTruncation": ".response_truncation",
    "ResponseUsage": ".response_usage",
    "ResponseUsageInputTokensDetails": ".response_usage_input_tokens_details",
    "ResponseUsageOutputTokensDetails": ".response_usage_output_tokens_details",
    "ResponsesOnlyModel": ".responses_only_model",
    "ServiceTier": ".service_tier",
    "ServiceTierResponses": ".service_tier_responses",
    "Verbosity": ".verbosity",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_MODULE_OF])


__all__ = (
    "Batch",
    "BatchError",
    "BatchErrors",
    "BatchFileExpirationAfter",
    "BatchFileExpirationAfterAnchor",
    "BatchObject",
    "BatchRequestCounts",
    "BatchUsage",
    "BatchUsageInputTokensDetails",
    "BatchUsageOutputTokensDetails",
    "ChatCompletionMessageCustomToolCall",
    "ChatCompletionMessageCustomToolCallCustom",
    "ChatCompletionMessageCustomToolCallType",
    "ChatCompletionMessageToolCall",
    "ChatCompletionMessageToolCallFunction",
    "ChatCompletionMessageToolCallType",
    "ChatCompletionModeration",
    "ChatCompletionModerationError",
    "ChatCompletionModerationErrorType",
    "ChatCompletionModerationResults",
    "ChatCompletionModerationResultsType",
    "ChatCompletionResponseMessage",
    "ChatCompletionResponseMessageAnnotationsItem",
    "ChatCompletionResponseMessageAnnotationsItemType",
    "ChatCompletionResponseMessageAnnotationsItemUrlCitation",
    "ChatCompletionResponseMessageAudio",
    "ChatCompletionResponseMessageFunctionCall",
    "ChatCompletionResponseMessageRole",
    "ChatCompletionTokenLogprob",
    "ChatCompletionTokenLogprobTopLogprobsItem",
    "CompletionUsage",
    "CompletionUsageCompletionTokensDetails",
    "CompletionUsagePromptTokensDetails",
    "CreateBatchRequest",
    "CreateBatchRequestCompletionWindow",
    "CreateBatchRequestEndpoint",
    "CreateChatCompletionResponse",
    "CreateChatCompletionResponseChoicesItem",
    "CreateChatCompletionResponseChoicesItemFinishReason",
    "CreateChatCompletionResponseChoicesItemLogprobs",
    "CreateChatCompletionResponseObject",
    "CreateCompletionResponse",
    "CreateCompletionResponseChoicesItem",
    "CreateCompletionResponseChoicesItemFinishReason",
    "CreateCompletionResponseChoicesItemLogprobs",
    "CreateCompletionResponseChoicesItemLogprobsTopLogprobsItem",
    "CreateCompletionResponseObject",
    "CreateEmbeddingResponse",
    "CreateEmbeddingResponseObject",
    "CreateEmbeddingResponseUsage",
    "CreateFileRequest",
    "CreateFileRequestPurpose",
    "CreateModerationResponse",
    "CreateModerationResponseResultsItem",
    "CreateModerationResponseResultsItemCategories",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypes",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHarassmentthreateningItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHateItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesHatethreateningItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesIllicitviolentItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarminstructionsItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmintentItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSelfHarmItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesSexualminorsItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesViolencegraphicItem",
    "CreateModerationResponseResultsItemCategoryAppliedInputTypesViolenceItem",
    "CreateModerationResponseResultsItemCategoryScores",
    "DeleteFileResponse",
    "DeleteFileResponseObject",
    "Embedding",
    "EmbeddingObject",
    "FileExpirationAfter",
    "FileExpirationAfterAnchor",
    "KnownBatchStatus",
    "KnownFilePurpose",
    "KnownFileStatus",
    "KnownModelIdsShared",
    "KnownReasoningMode",
    "ListBatchesResponse",
    "ListBatchesResponseObject",
    "ListFilesOrder",
    "ListFilesResponse",
    "Metadata",
    "ModelResponseProperties",
    "ModelResponsePropertiesPromptCacheRetention",
    "Moderation",
    "ModerationErrorBody",
    "ModerationErrorBodyType",
    "ModerationInputType",
    "ModerationResultBody",
    "ModerationResultBodyCategories",
    "ModerationResultBodyCategoryAppliedInputTypes",
    "ModerationResultBodyCategoryScores",
    "ModerationResultBodyType",
    "OpenAIFile",
    "OpenAIFileObject",
    "Prompt",
    "PromptCacheModeEnum",
    "PromptCacheOptions",
    "PromptCacheTTLEnum",
    "PromptVariables",
    "Reasoning",
    "ReasoningContext",
    "ReasoningEffort",
    "ReasoningGenerateSummary",
    "ReasoningSummary",
    "Response",
    "ResponseConversation",
    "ResponseError",
    "ResponseErrorCode",
    "ResponseFormatJsonObject",
    "ResponseFormatJsonObjectType",
    "ResponseFormatText",
    "ResponseFormatTextType",
    "ResponseIncompleteDetails",
    "ResponseIncompleteDetailsReason",
    "ResponseObject",
    "ResponseProperties",
    "ResponsesOnlyModel",
    "ResponseStatus",
    "ResponseTextParam",
    "ResponseTruncation",
    "ResponseUsage",
    "ResponseUsageInputTokensDetails",
    "ResponseUsageOutputTokensDetails",
    "ServiceTier",
    "ServiceTierResponses",
    "Verbosity",
)
