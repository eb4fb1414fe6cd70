"""`lading orchestration <noun> <verb>`: the public verbs, one module per noun.

- `runs`: create_run, get_run, list_runs, browse_runs (the console: keyset pages, no count), count_runs,
  cancel_runs, download_runs (`run download`), download_run_outputs (`run download-outputs`), run_metrics
  (`run get-metrics`); export_runs (the HTTP `runs/download` file; `run_lines` reads it back); for other
  services and the worker:
  insert_graph_run, new_run_row, record_identity, check_form_fields, resolve_release, run_status.
- `batches`: create_batch, dry_run_batch (`batch create --dry-run`), get_batch, list_batches,
  cancel_batch, download_batch (`batch download`); preview_batch and export_batch (HTTP only);
  batch_status, full (the batch document) for the worker.
- `records`: list_records, count_records, download_records, download_record_outputs,
  record_metrics (`record get-metrics`), cancel_records.
- `tools`: list_tools, get_tool, create_tool, update_tool, remove_tool; tool_of_workflow (the console).
- `plays`: list_plays, get_play, create_play, update_play, remove_play; on_segment_change (wired in
  `services.wiring`).
- `workflows`: list_workflows, get_workflow.
- `releases` (and its alias `draft-release`): list_releases, get_release, get_draft, update_draft,
  deploy_draft, get_deployed.
- `nodes`: validate, compute, execute, diagram; as_node_execution / from_node_execution (the client's
  NodeExecution shape of `execute` over HTTP, and back).
- `spans`: list_spans, count_spans (HTTP only: executions as spans).
- `templates`: list_templates, template (`template get`).
- `actions`: list_actions, execute, execute_batch, dry_run_execute_batch, output_schema (`action get-output-schema`).
- `query`: execute_query (`query execute`).
- `shapes`: the JSON documents these verbs answer (Pydantic, camelCase), shared by the CLI, MCP and HTTP.
- `http_reasons`: the reason codes the HTTP face uses where the client names a refusal differently.

Private helpers: `_presenters` (store rows → shapes), `_graphs` (graph checks), `_downloads` (streaming
export writers), `_metrics` (per-node execution metrics), `_play_batch_rows` (play batch sources), `_dry_run` (dry
runs: sample, projection, clean-up), `_credit_caps` (where a batch's credit cap comes from).
"""

from lading.services._submodules import lazy_submodules

__all__ = ["actions", "batches", "nodes", "plays", "query", "records", "releases", "runs", "shapes", "templates",
           "tools", "workflows"]

__getattr__ = lazy_submodules(__name__, __all__)
