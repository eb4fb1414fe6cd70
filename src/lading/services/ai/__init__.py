"""`lading ai …`: agents, their releases, templates, language models, chats, messages, memories, MCP servers.

One module per noun; its public verbs (what the CLI, the MCP tools and the HTTP API call):

- `agents`: list_agents, get, create, update, remove
- `releases`: list_releases, get, get_draft, get_deployed, update_draft, deploy_draft (and check_references,
  unseal_mcp_authentication for whoever serves a release's MCP clients)
- `templates`: list_templates, get
- `language_models`: list_language_models
- `chats`: create, get, list_chats
- `messages`: create, exchange, get, list_messages; answer_chat_message (the agent step of a chat run)
- `memories`: list_memories, update, remove; with_memory (an agent turn's memories and `remember` tool)
- `mcp_servers`: list_servers, get, create, update, remove
- `mcp_clients`: list_tools, connect (an outside MCP server's tools; nothing stored)
- `shapes`: the JSON shape of every object these answer

Private to the group: `_lookup` (finding agents and chats, paging), `_runtime` (running an agent turn
for chats, agent nodes and agent actions) and `_resources` (a release's resources as model tools).
`lading ai file …` is `lading content file …` (services.content.files).
"""

from lading.services._submodules import lazy_submodules

__all__ = ["agents", "chats", "language_models", "mcp_clients", "mcp_servers", "memories", "messages", "releases",
           "shapes", "templates"]

__getattr__ = lazy_submodules(__name__, __all__)
