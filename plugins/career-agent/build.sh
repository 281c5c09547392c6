#!/usr/bin/env bash
# Builds the career agent component: runs the unit tests, then componentize-py.
#
#   plugins/career-agent/build.sh <output.wasm>
#   e.g. plugins/career-agent/build.sh dist/components/career_agent.wasm
#
# componentize-py comes from $COMPONENTIZE_PY, else the repo's pinned venv
# (${TESSERA_VENV:-~/.cache/tessera/venv}, which `./dev build` sets up). The WIT bindings
# (`wit_world`) are generated into a scratch folder; nothing is written to this folder.
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 <output.wasm>" >&2
    exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out_dir="$(mkdir -p "$(dirname "$1")" && cd "$(dirname "$1")" && pwd)"
out="$out_dir/$(basename "$1")"
componentize_py="${COMPONENTIZE_PY:-${TESSERA_VENV:-$HOME/.cache/tessera/venv}/bin/componentize-py}"
contract="0.2.0"
world="tessera:platform/agent-plugin@$contract"
# componentize-py imports everything the target world imports, and the host refuses
# imports the manifest does not grant: intersect with the subset this agent uses
# (wit/world.wit: the agent export, the `llm` import and the always-granted wasi:logging).
subset="partner:career-agent/llm-only"

if [ ! -x "$componentize_py" ]; then
    echo "componentize-py not found at $componentize_py (set COMPONENTIZE_PY, or run ./dev build once)" >&2
    exit 1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch" "$out.tmp"' EXIT

# 1. The unit tests: the knowledge base on its own, and app.py against the bindings
# componentize-py generates for the same world (the adapter's tests skip without them).
"$componentize_py" -d "$repo/wit/$contract" -d "$here/wit" -w "$subset" \
    bindings "$scratch/bindings" >/dev/null
(cd "$here" && PYTHONDONTWRITEBYTECODE=1 CAREER_AGENT_BINDINGS="$scratch/bindings" \
    python3 -m unittest --quiet test_career)

# 2. The component. Only the modules the agent imports go in: copy them to a scratch
# python path so tests, docs and caches in this folder stay out of the build.
mkdir "$scratch/src"
cp "$here/app.py" "$here/career.py" "$scratch/src/"
"$componentize_py" -d "$repo/wit/$contract" -d "$here/wit" -w "$world" \
    componentize app -i "$subset" -p "$scratch/src" -o "$out.tmp"
mv "$out.tmp" "$out"
