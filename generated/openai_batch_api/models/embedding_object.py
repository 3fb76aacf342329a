from typing import Literal

EmbeddingObject = Literal["embedding"]

EMBEDDING_OBJECT_VALUES: set[EmbeddingObject] = {
    "embedding",
}


def check_embedding_object(value: str) -> EmbeddingObject:
    if value in EMBEDDING_OBJECT_VALUES:
        return value
    raise TypeError(f"Unexpected value {value!r}. Expected one of {EMBEDDING_OBJECT_VALUES!r}")
