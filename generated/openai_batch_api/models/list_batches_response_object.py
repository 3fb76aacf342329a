from typing import Literal

ListBatchesResponseObject = Literal["list"]

LIST_BATCHES_RESPONSE_OBJECT_VALUES: set[ListBatchesResponseObject] = {
    "list",
}


def check_list_batches_response_object(value: str) -> ListBatchesResponseObject:
    if value in LIST_BATCHES_RESPONSE_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {LIST_BATCHES_RESPONSE_OBJECT_VALUES!r}")
