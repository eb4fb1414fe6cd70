"""The documented 200 bodies of the orchestration routes (api.md §2, §12): the services' shapes
(`services/orchestration/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from lading.api._schemas import envelope
from lading.domain.shapes import Shape
from lading.services.orchestration import shapes

# --- tools, plays, workflows, templates, releases -----------------------------------------------------


ToolAnswer = envelope("ToolAnswer", tool=shapes.Tool)
ToolList = envelope("ToolList", tools=list[shapes.Tool])
PlayAnswer = envelope("PlayAnswer", play=shapes.Play)
PlayListAnswer = envelope("PlayListAnswer", plays=list[shapes.Play])
WorkflowAnswer = envelope("WorkflowAnswer", workflow=shapes.Workflow)
WorkflowListAnswer = envelope("WorkflowListAnswer", workflows=list[shapes.Workflow])
TemplateAnswer = envelope("TemplateAnswer", template=shapes.Template)
TemplateListAnswer = envelope("TemplateListAnswer", templates=list[shapes.TemplateItem])
ReleaseAnswer = envelope("ReleaseAnswer", release=shapes.Release)
ReleaseListAnswer = envelope("ReleaseListAnswer", releases=list[shapes.ReleaseListItem])


# --- actions and nodes ----------------------------------------------------------------------------------


class RunAnswer(Shape):
    """A run just created (pending): `action.execute`, `run.create`."""

    run: shapes.Run


class BatchRefAnswer(Shape):
    """A batch just created, in its short form: `action.executeBatch`, `batch.create`."""

    batch: shapes.BatchRef


class DryRunAnswer(Shape):
    """`batch create --dry-run`, `action execute-batch --dry-run` (Lading): the projected cost."""

    dry_run: shapes.DryRun


class ActionMatches(shapes.ActionSearch):
    """`action list` (Lading): the actions best matching the query, best first."""


class OutputSchema(Shape):
    """`action.getOutputSchema`: the JSON Schema of the action's output."""

    output_schema: dict[str, Any] = Field(alias="schema")


class InvalidNodeRef(Shape):
    uuid: str | None
    slug: str | None


class InvalidNode(Shape):
    node: InvalidNodeRef | None
    reason: str
    message: str


class NodeValid(Shape):
    """`node.validate` of a valid graph."""

    outcome: Literal["valid"]


class NodeNotValid(Shape):
    """`node.validate` of a graph with problems: still 200 (an outcome, api.md §0.3)."""

    outcome: Literal["notValid"]
    invalid_nodes: list[InvalidNode]


NodeValidation = NodeValid | NodeNotValid


ComputedConfig = envelope("ComputedConfig", computed_config=Any)


class NodeExecutionSuccess(Shape):
    """`node.execute` of a node that succeeded; `execution` is the CLI's execution document."""

    status: Literal["success"]
    data: Any
    credits_used_count: float
    child_index: int | None
    execution: dict[str, Any]


class NodeExecutionError(Shape):
    """`node.execute` of a node that failed: still 200 (an outcome, api.md §0.3)."""

    status: Literal["error"]
    message: str
    credits_used_count: float
    execution: dict[str, Any]


NodeExecution = NodeExecutionSuccess | NodeExecutionError


# --- runs, batches, records, spans ---------------------------------------------------------------------


class RunDetailAnswer(Shape):
    """`run.get`: the run with its executions, the context its nodes wrote and their computed configs."""

    run: shapes.RunDetail
    run_context: dict[str, Any]
    run_computed_configs: dict[str, Any]


class RunPage(Shape):
    runs: list[shapes.Run]
    count: int


class RunsAnswer(Shape):
    """`run.cancel`: the runs it selected, afterwards."""

    runs: list[shapes.Run]


RunMetricsAnswer = envelope("RunMetricsAnswer", run_metrics=list[shapes.RunMetric])
BatchAnswer = envelope("BatchAnswer", batch=shapes.Batch)
BatchListAnswer = envelope("BatchListAnswer", batches=list[shapes.Batch])


class PreviewColumn(Shape):
    slug: str
    type: str
    label: str | None
    model_uuid: str | None


class PreviewAnswer(Shape):
    """`batch.preview`: the first 100 rows, their columns, and how many rows the source holds."""

    records: list[Any]
    columns: list[PreviewColumn]
    count: int


class RecordPage(Shape):
    records: list[shapes.Record]
    count: int


class RecordsAnswer(Shape):
    """`record.cancel`: the records it selected, afterwards."""

    records: list[shapes.Record]


RecordMetricsAnswer = envelope("RecordMetricsAnswer", record_metrics=list[shapes.RecordMetric])


class SpanPage(Shape):
    spans: list[shapes.Span]
    count: int


class QueryRows(Shape):
    """`query.execute`: the rows, at most 10,000."""

    rows: list[dict[str, Any]]
