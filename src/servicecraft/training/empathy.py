"""The transformer tier's empathy direction, from sentences written for this project.

No data set whose licence allows shipping labels empathy (EPITOME is evaluation only), so the
direction comes from two short lists written here, under the project's own licence: sentences
that react to the other person's feelings, and sentences that inform, ask or instruct without
doing so. Both lists mix customer service with peer support.

A sentence's score is its mean cosine with the warm prototypes minus its mean cosine with the
cool ones: one dot product with the difference of the two means of unit vectors. The
logistic calibration that turns the score into P(warm) is fitted on leave-one-out scores of
the prototypes themselves, so a prototype never scores against itself; EPITOME plays no part.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from servicecraft.engine.learned.transformer import unit

WARM = (
    "I'm so sorry you're going through this.",
    "That sounds really hard, I'm sorry.",
    "I can only imagine how frustrating that must be.",
    "I understand how upsetting this is.",
    "Sending you hugs, I hope things get better.",
    "I feel for you, that must be awful.",
    "I'm really sorry to hear that.",
    "That must have been so stressful for you.",
    "I know how you feel, and you're not alone.",
    "Hang in there, I'm here for you.",
    "I completely understand your frustration.",
    "Oh no, that's terrible, I'm so sorry.",
    "I hope you feel better soon.",
    "It breaks my heart to hear this.",
    "I'm glad you reached out, and I'm sorry it's been so difficult.",
    "I'm sorry for all the trouble this has caused you.",
    "I completely understand why you're upset.",
    "I apologise, I know how much you were counting on this.",
    "That's really disappointing, and I'm sorry it happened.",
    "I can hear how worried you are about this.",
)
COOL = (
    "You can reset your password from the settings page.",
    "The order shipped on Monday and should arrive Friday.",
    "Have you tried restarting the device?",
    "It takes a week or two for the medication to work.",
    "Why would you want to do that?",
    "I had the same thing happen last year.",
    "Please send me your account number.",
    "That's how the policy works.",
    "Try exercising more and sleeping earlier.",
    "Yes, that's correct.",
    "Your refund has been processed.",
    "I've passed this to the billing team.",
    "The outage was caused by a configuration change.",
    "Could you confirm your delivery address?",
    "Our store opens at nine.",
    "Thanks, I'll check and get back to you.",
    "That's not something we offer.",
    "Click the link in the email to continue.",
    "The report is attached.",
    "Let me know if you have other questions.",
)


def fit_empathy(warm: np.ndarray, cool: np.ndarray) -> dict[str, Any]:
    """The direction and the calibration from the prototypes' encoder features (one row each)."""
    w, c = unit(warm.astype(np.float64)), unit(cool.astype(np.float64))
    scores = []
    for i in range(len(w)):
        scores.append(w[i] @ (np.delete(w, i, 0).mean(0) - c.mean(0)))
    for i in range(len(c)):
        scores.append(c[i] @ (w.mean(0) - np.delete(c, i, 0).mean(0)))
    labels = np.r_[np.ones(len(w)), np.zeros(len(c))]
    # Cosine gaps are a few hundredths: scaled up so that C = 1 is a mild penalty.
    spread = 10.0
    model = LogisticRegression(C=1.0).fit(np.array(scores)[:, None] * spread, labels)
    return {
        "direction": w.mean(0) - c.mean(0),
        "scale": float(model.coef_[0, 0]) * spread,
        "bias": float(model.intercept_[0]),
    }
