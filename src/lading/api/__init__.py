"""The HTTP face of Lading (`lading serve`, FastAPI): the Cargo-compatible API under `/v1`, the
public export links, health and readiness, and the MCP server's tool set.

Routes of `lading <group> <noun> <verb>` live in `api/<group>/<noun>.py` and call the same service
function as the command; `_http.py` holds what every route shares (the caller's session from its
token, rights, query-string decoding, bodies, answers) and `_errors.py` the documented error shape."""
