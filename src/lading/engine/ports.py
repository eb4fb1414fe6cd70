"""What the executor needs from the layers it must not import: calling a connector action,
finding a tool's release, writing a record into a model, running an agent turn, sending an email,
asking a model about records and searching content files. The service layer provides a real
implementation; without one these node kinds fail with a clear message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from lading.domain.errors import NodeExecutionError
from lading.domain.run_state import RunState


@dataclass
class ConnectorOutcome:
    output: Any
    child_index: int
    credits: float
    base_url: str | None


@dataclass
class AgentOutcome:
    output: Any  # {"answer": text | object}
    credits: float


@dataclass
class ToolTarget:
    tool_uuid: str
    workflow_uuid: str | None  # None: an ad-hoc template tool, no workflow of its own
    release_uuid: str
    form_fields: list[dict[str, Any]] | None


class Ports(Protocol):
    async def call_connector(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> ConnectorOutcome:
        """Run the node's integration action with its computed config."""
        ...

    async def resolve_tool(self, run: RunState, node: dict[str, Any]) -> ToolTarget:
        """The release a tool node runs: pinned `releaseUuid`, else the tool's deployed release."""
        ...

    async def batches_finished(self, batch_uuids: list[str]) -> None:
        """Batches just reached a terminal status (webhook deliveries)."""
        ...

    async def write_model_record(self, run: RunState, action: str, config: dict[str, Any]) -> dict[str, Any]:
        """`modelUpsert` / `modelInsert`: one record into a model → `{"id", "operation"}`."""
        ...

    async def run_agent(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> AgentOutcome:
        """An `agent` node (saved agent) or native `agent` step with its computed config."""
        ...

    async def send_email(self, run: RunState, config: dict[str, Any]) -> ConnectorOutcome:
        """`sendEmail`: one message through the config's `smtp` connector → `{messageId, accepted, rejected}`."""
        ...

    async def ask_model(self, run: RunState, config: dict[str, Any]) -> AgentOutcome:
        """`modelAsk`: the config's question about a model's records → `{answer, recordsCount, totalCount}`."""
        ...

    async def search_files(self, run: RunState, config: dict[str, Any]) -> dict[str, Any]:
        """`fileSearch`: the best content-file passages for the config's query → `{results}`."""
        ...


class NoPorts:
    async def call_connector(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> ConnectorOutcome:
        raise NodeExecutionError("connector nodes need the connections service, which this process lacks",
                                 retryable=False)

    async def resolve_tool(self, run: RunState, node: dict[str, Any]) -> ToolTarget:
        raise NodeExecutionError("tool nodes need the connections service, which this process lacks",
                                 retryable=False)

    async def batches_finished(self, batch_uuids: list[str]) -> None:
        return None

    async def write_model_record(self, run: RunState, action: str, config: dict[str, Any]) -> dict[str, Any]:
        raise NodeExecutionError("model writes need the storage service, which this process lacks", retryable=False)

    async def run_agent(self, run: RunState, node: dict[str, Any], config: dict[str, Any]) -> AgentOutcome:
        raise NodeExecutionError("agent steps need the AI service, which this process lacks", retryable=False)

    async def send_email(self, run: RunState, config: dict[str, Any]) -> ConnectorOutcome:
        raise NodeExecutionError("sendEmail needs the connections service, which this process lacks", retryable=False)

    async def ask_model(self, run: RunState, config: dict[str, Any]) -> AgentOutcome:
        raise NodeExecutionError("modelAsk needs the AI service, which this process lacks", retryable=False)

    async def search_files(self, run: RunState, config: dict[str, Any]) -> dict[str, Any]:
        raise NodeExecutionError("fileSearch needs the content service, which this process lacks", retryable=False)
