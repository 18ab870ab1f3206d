"""Plans: create one from a framework document, find and list them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.formats import framework_yaml
from accord.i18n import gettext as _
from accord.models import Party, Plan

from . import Conflict, NotFound
from .frameworks import import_version


def create_plan(*, session: Session, text: str, source: str, code: str | None = None) -> Plan:
    """A new plan whose parties and first (agreed) framework version come from `text`."""
    fw = framework_yaml.load(text, source)
    code = code or fw.code
    if session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
        raise Conflict(_("a plan with code %(code)s already exists", code=repr(code)))
    plan = Plan(
        code=code,
        title=fw.title,
        description=fw.description,
        target_date=fw.target_date,
        illustrative=fw.illustrative,
        parties=[Party(code=p.code, name=p.name, position=i) for i, p in enumerate(fw.parties)],
    )
    session.add(plan)
    session.flush()
    import_version(session=session, plan=plan, text=text, source=source)
    return plan


def get_plan(*, session: Session, code: str) -> Plan:
    """The plan with this code; NotFound otherwise."""
    plan = session.scalar(select(Plan).where(Plan.code == code))
    if plan is None:
        raise NotFound(_("no plan %(code)s", code=repr(code)))
    return plan


def list_plans(*, session: Session) -> list[Plan]:
    """Every plan, by code."""
    return list(session.scalars(select(Plan).order_by(Plan.code)))


def default_plan(*, session: Session, code: str | None = None) -> Plan:
    """The plan named `code`, or the only plan when there is exactly one."""
    if code:
        return get_plan(session=session, code=code)
    plans = list_plans(session=session)
    if len(plans) == 1:
        return plans[0]
    if not plans:
        raise NotFound(
            _("there is no plan yet: run `accord example opcon` or `accord plan create FILE.yaml`")
        )
    raise NotFound(
        _(
            "several plans exist; name one with --plan: %(plans)s",
            plans=", ".join(p.code for p in plans),
        )
    )
