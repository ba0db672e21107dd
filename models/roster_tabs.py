"""The tabs of a site's roster, named as coordinators read them, for both roster targets
(a Google spreadsheet, a local workbook): one list, so the two cannot drift apart."""

from __future__ import annotations

ROSTER_TAB, CHANGES_TAB, SUMMARY_TAB = "Inscrits", "Nouveautés", "Résumé"
SIGN_IN_TAB, TO_COMPLETE_TAB = "Émargement", "À compléter"
#: In the order a roster shows them.
TABS = (ROSTER_TAB, SIGN_IN_TAB, TO_COMPLETE_TAB, CHANGES_TAB, SUMMARY_TAB)
#: Tabs the pipeline rewrites whole, only when their content changed; ``Inscrits`` is merged
#: with what coordinators typed, and ``Nouveautés`` is written when a push changed something.
OWNED_TABS = (SIGN_IN_TAB, TO_COMPLETE_TAB, SUMMARY_TAB)
