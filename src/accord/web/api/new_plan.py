"""JSON twin of the New-plan page: the bundled templates and creating a plan (administrators);
a broken framework document is answered with every problem by line and column."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from accord.formats import framework_yaml
from accord.services import new_plan
from accord.services.actors import Actor

from ..auth import get_actor
from ..deps import SESSION
from . import schemas
from .frameworks import FrameworkProblemsPublic, problems_response
from .plans import plan_document

router = APIRouter(prefix="/api/v1", tags=["plans"])
ERRORS: dict[int | str, dict[str, Any]] = {
    **{code: {"model": schemas.ErrorPublic} for code in (400, 401, 403, 409)},
    422: {"model": FrameworkProblemsPublic | schemas.ErrorPublic},
}


class TemplatePublic(BaseModel):
    key: str
    title: str
    description: str


class PartyIn(BaseModel):
    code: str
    name: str


class PersonIn(BaseModel):
    username: str
    role: str = Field(description="evaluator, signer or observer")
    party: str | None = None
    password: str | None = Field(None, description="Creates the account when it does not exist")
    display_name: str = ""


class PlanIn(BaseModel):
    code: str = Field(description="The new plan's code (no spaces)")
    template: str | None = Field(None, description="A bundled template's key")
    yaml: str | None = Field(None, description="Or a framework document (docs/framework-format.md)")
    title: str | None = Field(None, description="For a template: replaces its title")
    parties: list[PartyIn] | None = Field(None, description="For a template: its parties renamed")
    people: list[PersonIn] = Field(default_factory=list)


@router.get("/plan-templates", response_model=list[TemplatePublic], responses=ERRORS)
def templates(actor: Actor = Depends(get_actor)) -> list[dict[str, str]]:
    """The bundled templates a new plan can start from."""
    return new_plan.templates()


@router.post("/plans", status_code=201, response_model=schemas.PlanPublic, responses=ERRORS)
def create(body: PlanIn, session: Session = SESSION, actor: Actor = Depends(get_actor)) -> Any:
    """Create a plan from a template or a framework document, with its people."""
    try:
        plan = new_plan.create(
            session=session,
            actor=actor,
            code=body.code,
            template=body.template,
            text=body.yaml,
            source="request",
            title=body.title,
            parties=[(p.code, p.name) for p in body.parties] if body.parties else None,
            people=[new_plan.Person(**p.model_dump()) for p in body.people],
        )
    except framework_yaml.FrameworkError as exc:
        session.rollback()
        response: JSONResponse = problems_response(exc)
        return response
    return plan_document(plan)
