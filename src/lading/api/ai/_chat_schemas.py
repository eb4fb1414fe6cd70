"""The documented 200 bodies of the chat, message, vote and memory routes (api.md §6): the services'
shapes (`services/ai/shapes.py`) in the envelope each route answers. Documentation only: see
`api/_schemas.py` for why the routes' answers never pass through these models."""

from __future__ import annotations

from lading.domain.shapes import Shape
from lading.services.ai import shapes


class ChatAnswer(Shape):
    chat: shapes.Chat


class ChatList(Shape):
    chats: list[shapes.Chat]


class MessageAnswer(Shape):
    message: shapes.Message


class MessageList(Shape):
    messages: list[shapes.Message]


class VoteAnswer(Shape):
    vote: shapes.Vote


class VoteList(Shape):
    votes: list[shapes.Vote]


class MemoryAnswer(Shape):
    memory: shapes.Memory


class MemoryList(Shape):
    memories: list[shapes.Memory]
