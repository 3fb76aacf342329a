from typing import Literal

CreateChatCompletionResponseObject = Literal["chat.completion"]

CREATE_CHAT_COMPLETION_RESPONSE_OBJECT_VALUES: set[CreateChatCompletionResponseObject] = {
    "chat.completion",
}


def check_create_chat_completion_response_object(value: str) -> CreateChatCompletionResponseObject:
    if value in CREATE_CHAT_COMPLETION_RESPONSE_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {CREATE_CHAT_COMPLETION_RESPONSE_OBJECT_VALUES!r}")
