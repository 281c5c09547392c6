"""Schemathesis hooks for Tessera's API, loaded through SCHEMATHESIS_HOOKS by check_api.py.

`POST /api/v1/plugins` takes a plugin folder as `application/gzip` (a .tar.gz): its bytes
are sent as they are, like `application/octet-stream` (the server refuses what is not a
plugin archive with a 422 naming `archive`).
"""

import schemathesis

schemathesis.serializer.alias("application/gzip", "application/octet-stream")
