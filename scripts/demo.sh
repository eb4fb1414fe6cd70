#!/usr/bin/env bash
# Lading's main job, end to end on the embedded default: create a tool, deploy a graph, run it.
set -euo pipefail
cd "$(dirname "$0")/.."
L=${LADING:-.venv/bin/lading}
export LADING_HOME=${LADING_HOME:-$HOME/.lading}

TOOL=$($L orchestration tool create --name "Lead qualification" --description "Demo: score a lead")
WF=$(echo "$TOOL" | .venv/bin/python -c 'import json,sys; print(json.load(sys.stdin)["tool"]["workflowUuid"])')
echo "tool workflow: $WF" >&2
$L orchestration release deploy-draft --workflow-uuid "$WF" --description "demo graph" --nodes @examples/lead-qualification.json >/dev/null
$L orchestration node diagram --workflow-uuid "$WF" --format ascii --raw >&2
$L orchestration run create --workflow-uuid "$WF" --data '{"email":"ada@acme.com","employees":250}' --wait-until-finished
