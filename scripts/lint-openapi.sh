#!/bin/bash
# SPDX-License-Identifier: MIT
# Lints docs/openapi.json with Redocly CLI under the rules in redocly.yaml (the recommended
# set, with the few exceptions explained there). The first run installs the pinned Redocly CLI
# into .tools/ with npm; later runs reuse it. Exits non-zero when the lint finds an error.
# Usage: scripts/lint-openapi.sh   (called by `make test`)
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: a new Redocly release can add rules or change their defaults, so upgrading is a
# deliberate change of this line (check `npm view @redocly/cli version`).
redocly_version=2.77.0
redocly=.tools/node_modules/.bin/redocly
pkg=.tools/node_modules/@redocly/cli/package.json

installed=""
if [ -x "$redocly" ] && [ -f "$pkg" ]; then
    installed=$(node -p "require('./$pkg').version" 2>/dev/null || true)
fi
if [ "$installed" != "$redocly_version" ]; then
    echo "lint-openapi: installing @redocly/cli@$redocly_version into .tools/" >&2
    mkdir -p .tools
    npm install --prefix .tools --no-audit --no-fund --save-exact \
        "@redocly/cli@$redocly_version" >&2
fi

# No usage telemetry and no "new version available" notice: the version is pinned on purpose.
export REDOCLY_TELEMETRY=off
export REDOCLY_SUPPRESS_UPDATE_NOTICE=true
exec "$redocly" lint --config redocly.yaml docs/openapi.json
