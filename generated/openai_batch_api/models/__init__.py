"""Contains all the data models used in inputs/outputs"""

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
from .create_batch_request import CreateBatchRequest
from .create_batch_request_completion_window import CreateBatchRequestCompletionWindow
from .create_batch_request_endpoint import CreateBatchRequestEndpoint
from .create_file_request import CreateFileRequest
from .create_file_request_purpose import CreateFileRequestPurpose
from .delete_file_response import DeleteFileResponse
from .delete_file_response_object import DeleteFileResponseObject
from .file_expiration_after import FileExpirationAfter
from .file_expiration_after_anchor import FileExpirationAfterAnchor
from .known_batch_status import KnownBatchStatus
from .known_file_purpose import KnownFilePurpose
from .known_file_status import KnownFileStatus
from .list_batches_response import ListBatchesResponse
from .list_batches_response_object import ListBatchesResponseObject
from .list_files_order import ListFilesOrder
from .list_files_response import ListFilesResponse
from .metadata import Metadata
from .open_ai_file import OpenAIFile
from .open_ai_file_object import OpenAIFileObject

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
    "CreateBatchRequest",
    "CreateBatchRequestCompletionWindow",
    "CreateBatchRequestEndpoint",
    "CreateFileRequest",
    "CreateFileRequestPurpose",
    "DeleteFileResponse",
    "DeleteFileResponseObject",
    "FileExpirationAfter",
    "FileExpirationAfterAnchor",
    "KnownBatchStatus",
    "KnownFilePurpose",
    "KnownFileStatus",
    "ListBatchesResponse",
    "ListBatchesResponseObject",
    "ListFilesOrder",
    "ListFilesResponse",
    "Metadata",
    "OpenAIFile",
    "OpenAIFileObject",
)
