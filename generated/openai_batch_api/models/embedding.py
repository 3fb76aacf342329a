from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.embedding_object import EmbeddingObject, check_embedding_object

T = TypeVar("T", bound="Embedding")


@_attrs_define
class Embedding:
    """Represents an embedding vector returned by embedding endpoint.

    Attributes:
        index (int): The index of the embedding in the list of embeddings.
        embedding (list[float]): The embedding vector, which is a list of floats. The length of vector depends on the
            model as listed in the [embedding guide](/docs/guides/embeddings).
        object_ (EmbeddingObject): The object type, which is always "embedding".
    """

    index: int
    embedding: list[float]
    object_: EmbeddingObject
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        embedding = self.embedding

        object_: str = self.object_

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "index": index,
                "embedding": embedding,
                "object": object_,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        index = d.pop("index")

        embedding = cast(list[float], d.pop("embedding"))

        object_ = check_embedding_object(d.pop("object"))

        embedding = cls(
            index=index,
            embedding=embedding,
            object_=object_,
        )

        embedding.additional_properties = d
        return embedding

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
