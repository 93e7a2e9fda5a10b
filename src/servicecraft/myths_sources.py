"""What published studies found about each myth-check factor, with their sources.

Shown beside the organisation's own finding, so a lead can see where their data agrees
with the literature and where it does not. Vendor figures are labelled as such.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicecraft.model import SKILLS


@dataclass(frozen=True, slots=True)
class Published:
    finding: str
    source: str


FEINBERG = Published(
    "Of the call-centre measures studied, only first-call closure and abandonment rate related "
    "(weakly) to caller satisfaction; speed of answer did not.",
    "Feinberg et al., International Journal of Service Industry Management 11(2), 2000",
)
OLIVEIRA = Published(
    "In 6,616 telecom cases, first-contact resolution was significant for satisfaction.",
    "Oliveira & Joia, 2011",
)
ZENDESK_2013 = Published(
    "Across 16,000 companies, slower first replies went with lower satisfaction (vendor data).",
    "Zendesk Benchmark, Q3 2013",
)
ZENDESK_2020 = Published(
    'Customers said they value "resolve my issue quickly" (72.5%) more than "respond quickly" '
    "(58.9%) (vendor survey).",
    "Zendesk CX Trends 2020",
)
MAISTER = Published(
    "Unoccupied, uncertain, unexplained and unfair waits feel longer than they are.",
    'Maister, "The Psychology of Waiting Lines", 1985',
)
GARTNER = Published(
    "96% of customers with a high-effort service interaction became more disloyal, against 9% "
    "with low effort.",
    'Gartner, "Customer Effort Score" research (Dixon et al.)',
)
DIXON = Published(
    "Low effort, not delight, went with loyalty: 94% intended to repurchase after a low-effort "
    "interaction; 81% planned negative word of mouth after a high-effort one.",
    'Dixon, Freeman, Toman, "Stop Trying to Delight Your Customers", Harvard Business Review, 2010',
)
DE_MATOS = Published(
    "Good service recovery raised satisfaction but not repurchase intent or word of mouth.",
    "de Matos et al., Journal of Service Research 10(1), 2007",
)

PUBLISHED: dict[str, tuple[Published, ...]] = {
    "first_response_seconds": (ZENDESK_2013, FEINBERG, ZENDESK_2020, MAISTER),
    "handoffs": (FEINBERG, OLIVEIRA, GARTNER),
    "one_touch": (FEINBERG, OLIVEIRA, GARTNER),
    "chasers": (MAISTER, GARTNER),
    "customer_messages_before_straight_answer": (DIXON, ZENDESK_2020),
    "score": (DIXON,),
    "solution": (FEINBERG, OLIVEIRA, DE_MATOS),
    "ownership": (OLIVEIRA, GARTNER),
    "clarity": (DIXON,),
    "empathy": (DIXON,),
    "rapport": (DIXON,),
}
for _skill in SKILLS:
    PUBLISHED.setdefault(_skill, ())
