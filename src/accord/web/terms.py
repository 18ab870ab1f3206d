"""Words that reach the pages as data (statuses, roles, verdicts, the OPCON scale levels):
marked here so that extraction puts them in the catalogs; templates show them with `|term`."""

from __future__ import annotations


def N_(text: str) -> str:
    """Mark `text` for the catalogs without translating it now."""
    return text


TERMS = (
    # evaluation statuses and kinds (models/evaluation.py)
    N_("planned"),
    N_("open"),
    N_("reconciliation"),
    N_("concluded"),
    N_("signed"),
    N_("annual"),
    N_("stage"),
    N_("adhoc"),
    # action items, feed items, evidence kinds
    N_("in_progress"),
    N_("done"),
    N_("dropped"),
    N_("unreviewed"),
    N_("reviewed"),
    N_("dismissed"),
    N_("file"),
    N_("link"),
    N_("note"),
    # roles and rule levels
    N_("evaluator"),
    N_("signer"),
    N_("observer"),
    N_("condition"),
    N_("field"),
    N_("standard"),
    # roll-up methods (framework rollup)
    N_("weighted_mean"),
    # verdicts, blocking reasons, resolutions
    N_("meaningful"),
    N_("below rule"),
    N_("not comparable"),
    N_("below threshold"),
    N_("not rated"),
    N_("reconciled"),
    N_("imported"),
    N_("rule"),
    N_("n/a"),
    N_("not applicable"),
    # the OPCON plan's rating scales (src/accord/data/opcon/framework.yaml)
    N_("Initial"),
    N_("Developing"),
    N_("Partial"),
    N_("Substantial"),
    N_("Full"),
    N_("Adverse"),
    N_("Strained"),
    N_("Manageable"),
    N_("Conducive"),
    N_("Capability level"),
    N_("Security environment"),
    N_("met"),
    N_("weakest_link"),
    N_("consensus"),
    # the report's section titles (reports/assemble.py SECTIONS)
    N_("Executive summary"),
    N_("Conditions and fields"),
    N_("Progress over the years"),
    N_("Stage readiness"),
    N_("Party agreement"),
    N_("Divergences and their resolution"),
    N_("Action items"),
    N_("Forecast"),
    N_("Appendix: standards and ratings"),
    N_("unreviewed open-source item"),
    # the sign-in refusal (services/accounts.py), shown on the sign-in page
    N_("Wrong username or password."),
    # the report's highlights (reports/assemble.py)
    N_("Plan score"),
    N_("Standards met"),
    N_("Exact agreement"),
    N_("Plan met by target date"),
    # the report's chart titles (reports/render.py CHART_TITLES)
    N_("Condition scores by evaluation"),
    N_("Field scores by evaluation"),
    # governance: timeline event kinds and decision kinds (engine/timeline.py, models/governance.py)
    N_("signature"),
    N_("stage event"),
    N_("meeting"),
    N_("decision"),
    N_("target date set"),
    N_("target date moved"),
    N_("stage verify"),
    N_("stage certify"),
    N_("framework revision"),
    N_("roadmap"),
    N_("other"),
    # the illustrative notice (services/documents.py)
    N_("ILLUSTRATIVE — NOT AN ACTUAL ASSESSMENT"),
)
