from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.known_model_ids_shared import KnownModelIdsShared, check_known_model_ids_shared
from ..models.responses_only_model import ResponsesOnlyModel, check_responses_only_model
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.prompt import Prompt
    from ..models.response_text_param import ResponseTextParam


T = TypeVar("T", bound="ResponseProperties")


@_attrs_define
class ResponseProperties:
    """
    Attributes:
        previous_response_id (None | str | Unset):
        model (KnownModelIdsShared | ResponsesOnlyModel | str | Unset):  Example: gpt-5.1.
        background (bool | None | Unset):
        max_tool_calls (int | None | Unset):
        text (ResponseTextParam | Unset): Configuration options for a text response from the model. Can be plain
            text or structured JSON data. Learn more:
            - [Text inputs and outputs](/docs/guides/text)
            - [Structured Outputs](/docs/guides/structured-outputs)
        tools (list[Any] | Unset): An array of tools the model may call while generating a response. You
            can specify which tool to use by setting the `tool_choice` parameter.

            We support the following categories of tools:
            - **Built-in tools**: Tools that are provided by OpenAI that extend the
              model's capabilities, like [web search](/docs/guides/tools-web-search)
              or [file search](/docs/guides/tools-file-search). Learn more about
              [built-in tools](/docs/guides/tools).
            - **MCP Tools**: Integrations with third-party systems via custom MCP servers
              or predefined connectors such as Google Drive and SharePoint. Learn more about
              [MCP Tools](/docs/guides/tools-connectors-mcp).
            - **Function calls (custom tools)**: Functions that are defined by you,
              enabling the model to call your own code with strongly typed arguments
              and outputs. Learn more about
              [function calling](/docs/guides/function-calling). You can also use
              custom tools to call your own code.
        tool_choice (Any | Unset): How the model should select which tool (or tools) to use when generating
            a response. See the `tools` parameter to see how to specify which tools
            the model can call.
        prompt (None | Prompt | Unset):
    """

    previous_response_id: None | str | Unset = UNSET
    model: KnownModelIdsShared | ResponsesOnlyModel | str | Unset = UNSET
    background: bool | None | Unset = UNSET
    max_tool_calls: int | None | Unset = UNSET
    text: ResponseTextParam | Unset = UNSET
    tools: list[Any] | Unset = UNSET
    tool_choice: Any | Unset = UNSET
    prompt: None | Prompt | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.prompt import Prompt  # noqa: PLC0415

        previous_response_id: None | str | Unset
        if isinstance(self.previous_response_id, Unset):
            previous_response_id = UNSET
        else:
            previous_response_id = self.previous_response_id

        model: str | Unset
        if isinstance(self.model, Unset):
            model = UNSET
        elif isinstance(self.model, str):
            model = self.model
        elif isinstance(self.model, str):
            model = self.model
        else:
            model = self.model

        background: bool | None | Unset
        if isinstance(self.background, Unset):
            background = UNSET
        else:
            background = self.background

        max_tool_calls: int | None | Unset
        if isinstance(self.max_tool_calls, Unset):
            max_tool_calls = UNSET
        else:
            max_tool_calls = self.max_tool_calls

        text: dict[str, Any] | Unset = UNSET
        if not isinstance(self.text, Unset):
            text = self.text.to_dict()

        tools: list[Any] | Unset = UNSET
        if not isinstance(self.tools, Unset):
            tools = self.tools

        tool_choice = self.tool_choice

        prompt: dict[str, Any] | None | Unset
        if isinstance(self.prompt, Unset):
            prompt = UNSET
        elif isinstance(self.prompt, Prompt):
            prompt = self.prompt.to_dict()
        else:
            prompt = self.prompt

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if previous_response_id is not UNSET:
            field_dict["previous_response_id"] = previous_response_id
        if model is not UNSET:
            field_dict["model"] = model
        if background is not UNSET:
            field_dict["background"] = background
        if max_tool_calls is not UNSET:
            field_dict["max_tool_calls"] = max_tool_calls
        if text is not UNSET:
            field_dict["text"] = text
        if tools is not UNSET:
            field_dict["tools"] = tools
        if tool_choice is not UNSET:
            field_dict["tool_choice"] = tool_choice
        if prompt is not UNSET:
            field_dict["prompt"] = prompt

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.prompt import Prompt  # noqa: PLC0415
        from ..models.response_text_param import ResponseTextParam  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_previous_response_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        previous_response_id = _parse_previous_response_id(d.pop("previous_response_id", UNSET))

        def _parse_model(data: object) -> KnownModelIdsShared | ResponsesOnlyModel | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_model_ids_shared_type_1 = check_known_model_ids_shared(data)

                return componentsschemas_model_ids_shared_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            try:
                if not isinstance(data, str):
                    raise TypeError()
                componentsschemas_model_ids_responses_responses_only_model = check_responses_only_model(data)

                return componentsschemas_model_ids_responses_responses_only_model
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KnownModelIdsShared | ResponsesOnlyModel | str | Unset, data)

        model = _parse_model(d.pop("model", UNSET))

        def _parse_background(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        background = _parse_background(d.pop("background", UNSET))

        def _parse_max_tool_calls(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_tool_calls = _parse_max_tool_calls(d.pop("max_tool_calls", UNSET))

        _text = d.pop("text", UNSET)
        text: ResponseTextParam | Unset
        if isinstance(_text, Unset):
            text = UNSET
        else:
            text = ResponseTextParam.from_dict(_text)

        tools = cast(list[Any], d.pop("tools", UNSET))

        tool_choice = d.pop("tool_choice", UNSET)

        def _parse_prompt(data: object) -> None | Prompt | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_prompt_type_0 = Prompt.from_dict(data)

                return componentsschemas_prompt_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Prompt | Unset, data)

        prompt = _parse_prompt(d.pop("prompt", UNSET))

        response_properties = cls(
            previous_response_id=previous_response_id,
            model=model,
            background=background,
            max_tool_calls=max_tool_calls,
            text=text,
            tools=tools,
            tool_choice=tool_choice,
            prompt=prompt,
        )

        response_properties.additional_properties = d
        return response_properties

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
