"""`/storage/relationships…`: list, get, set (`storage relationship …`, api.md §3).

`relationship.set` sends the dataset and its whole set; `storage relationship set` in remote mode
sends its own flags in the same body (the single-pair form: `fromModelUuid`, `toModelUuid`,
`fromColumnSlug`, `toColumnSlug`, `relation`), a Lading extension of the route.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from lading.api._http import Body, Query, Router, caller, query, query_parameters
from lading.api._schemas import answers
from lading.api.storage import _schemas as schemas
from lading.services.session import Session
from lading.services.storage import relationships

router = Router(prefix="/storage/relationships", tags=["storage"])
Caller = Annotated[Session, Depends(caller)]


class RelationshipList(Query):
    model_uuid: str | None = None


class RelationshipSet(Body):
    dataset_uuid: str | None = None
    relationships: Any = None  # checked by the service, item by item
    from_model_uuid: str | None = None
    to_model_uuid: str | None = None
    from_column_slug: str | None = None
    to_column_slug: str | None = None
    relation: str = "manyToOne"


@router.get("/list", summary="relationship.all: every relationship, or the model's (modelUuid: either side)",
            openapi_extra=query_parameters(RelationshipList), **answers(schemas.RelationshipList))
def list_relationships(session: Caller,
                       fields: Annotated[RelationshipList, Depends(query(RelationshipList))]) -> dict[str, Any]:
    return relationships.list_relationships(session, fields.model_uuid)


@router.post("", summary="relationship.set: replace the dataset's relationships (the set after the call)",
             **answers(schemas.RelationshipList))
def set_relationships(body: RelationshipSet, session: Caller) -> dict[str, Any]:
    return relationships.set_relationships(
        session, dataset_uuid=body.dataset_uuid, relationships=body.relationships, from_model_uuid=body.from_model_uuid,
        to_model_uuid=body.to_model_uuid, from_column_slug=body.from_column_slug, to_column_slug=body.to_column_slug,
        relation=body.relation)


@router.get("/{uuid}", summary="relationship.get", **answers(schemas.RelationshipAnswer))
def get_relationship(uuid: str, session: Caller) -> dict[str, Any]:
    return relationships.get_relationship(session, uuid)
