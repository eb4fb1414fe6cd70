"""The documented 200 bodies of the chat, message, vote and memory routes (api.md §6): the services'
shapes (`services/ai/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from lading.api._schemas import envelope
from lading.services.ai import shapes

ChatAnswer = envelope("ChatAnswer", chat=shapes.Chat)
ChatList = envelope("ChatList", chats=list[shapes.Chat])
MessageAnswer = envelope("MessageAnswer", message=shapes.Message)
MessageList = envelope("MessageList", messages=list[shapes.Message])
VoteAnswer = envelope("VoteAnswer", vote=shapes.Vote)
VoteList = envelope("VoteList", votes=list[shapes.Vote])
MemoryAnswer = envelope("MemoryAnswer", memory=shapes.Memory)
MemoryList = envelope("MemoryList", memories=list[shapes.Memory])
