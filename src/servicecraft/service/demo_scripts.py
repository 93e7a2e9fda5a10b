"""What each demo department is asked about, and how a conversation with it unfolds.

Billing, Finance, IT and Logistics conversations are written from these scripts: a topic
of the department (Finance answers colleagues about invoices, expenses and payroll; IT
gives colleagues access and laptops; Logistics handles deliveries, the warehouse and
suppliers; Billing answers customers about charges), told well or badly according to the
agent's quality on the day. Support's come from the bundled sample's real dialogues.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from servicecraft.model import Message


@dataclass(frozen=True, slots=True)
class Topic:
    opening: str  # the requester's first message; {ref} is a reference number
    feeling: str  # how the agent acknowledges what it costs the requester
    action: str  # what the agent did about it, concretely
    expectation: str  # what happens next, and when
    extra: str  # the next problem, seen coming
    hindrance: str  # a policy or a system blamed instead of helping
    thanks: str  # the requester confirming it worked
    internal: bool = False  # asked by a colleague rather than a customer or supplier


TOPICS: dict[str, tuple[Topic, ...]] = {
    "Billing": (
        Topic(
            "Hi, I was charged twice for my March subscription ({ref}). Can you fix it?",
            "I'm sorry about that, being charged twice is really frustrating.",
            "I've refunded the duplicate payment of 24.90.",
            "You'll see it on your card within 3 business days.",
            "I've also checked April: it will be charged once, as it should.",
            "Our policy doesn't allow refunds from the chat, you'd need to write in.",
            "I can see the refund pending already, thanks!",
        ),
        Topic(
            "Why is there a late fee on invoice {ref}? I paid on the 2nd.",
            "I understand how annoying a fee you don't owe is.",
            "I've removed the late fee; your payment did arrive on the 2nd.",
            "A corrected invoice will reach your inbox within the hour.",
            "I've also switched you to direct debit reminders so it can't happen again.",
            "The system won't let me remove fees once they're posted.",
            "Got the corrected invoice, thank you.",
        ),
        Topic(
            "Can I get a copy of all my invoices for last year? My accountant needs them.",
            "I know how stressful year-end paperwork can be.",
            "I've sent all twelve invoices as one PDF to your email.",
            "It should be in your inbox within 10 minutes.",
            "You may also want the annual statement, so I've attached it too.",
            "There's no option in the portal to export a whole year.",
            "Received, that's exactly what my accountant asked for.",
        ),
        Topic(
            "My card expired and now my account says payment failed. What do I do?",
            "Sorry for the worry, a failed payment notice is never nice to see.",
            "I've updated the card on file with the details you gave and retried the payment.",
            "The payment went through just now and your account is active.",
            "I've also set a reminder to email you a month before this card expires.",
            "We're not allowed to take card details over chat.",
            "Perfect, it says active again. Thanks!",
        ),
    ),
    "Finance": (
        Topic(
            "Hi, my travel expenses from the Berlin trip ({ref}) still haven't been reimbursed. "
            "It's been three weeks.",
            "Three weeks is too long, I'm sorry, that must be frustrating.",
            "I've approved the claim and added it to this week's payment run.",
            "It will be in your account by Friday.",
            "I've also fixed the cost centre on your profile so future claims go straight through.",
            "Our procedure says claims over 500 need a second approval, nothing I can do.",
            "It's in my account, thanks a lot!",
            internal=True,
        ),
        Topic(
            "My February payslip is missing from the HR portal. Can you send it?",
            "I understand, you need it for your mortgage application.",
            "I've re-issued your February payslip and emailed you a copy.",
            "It will also show in the portal by tomorrow morning.",
            "While I was looking, I noticed March was missing too, so I've re-issued it as well.",
            "The payroll system doesn't allow reissuing past months.",
            "Got both payslips, you're a star.",
            internal=True,
        ),
        Topic(
            "A supplier says we haven't paid invoice {ref}. Marketing approved it last month.",
            "I can see why they're chasing, it's been a while.",
            "I've found it: it was stuck waiting for a purchase order number. I've released it.",
            "The supplier will receive the payment within 2 working days.",
            "I've also emailed the supplier the remittance advice so they stop chasing you.",
            "Due to our policy we can't pay invoices without a PO, you'll need to raise one.",
            "The supplier just confirmed, thank you!",
            internal=True,
        ),
        Topic(
            "Which cost centre should I use for the conference tickets for our team?",
            "Good question, the cost centres changed this year and it is confusing.",
            "Use cost centre 4120 (Sales events); I've added it to your expense template.",
            "Claims with that code are approved within 2 days.",
            "You might also want to book the hotel on the same code, it saves a second claim.",
            "We're not allowed to advise on cost centres, please check the finance wiki.",
            "Great, that's sorted then. Thanks!",
            internal=True,
        ),
        Topic(
            "Hello, this is Northwind Supplies. Our invoice {ref} is 45 days overdue.",
            "I'm sorry, 45 days is well past our terms and I understand your concern.",
            "I've approved invoice {ref} for payment in today's run.",
            "You'll receive the money within 2 working days, reference {ref}.",
            "I've also updated your bank details on file so the next payment goes out on time.",
            "The system only pays invoices on the last Friday of the month.",
            "Payment received this morning, thank you.",
        ),
    ),
    "IT": (
        Topic(
            "My laptop won't turn on after last night's update and I have a client call at 11!",
            "That sounds really stressful with a client call so close.",
            "I've booked you a loan laptop at the service desk with your files synced.",
            "It's ready for you to collect in 15 minutes.",
            "I've also scheduled a repair for your own laptop, you'll get it back by Thursday.",
            "The system won't let me issue loan laptops without a manager's approval.",
            "Collected the loan laptop, the call went fine. Thanks!",
            internal=True,
        ),
        Topic(
            "Our team can't open the shared drive since this morning. We have a deadline today.",
            "I understand, losing the shared drive on a deadline day is awful.",
            "I've restored the team's access to the drive; a permission change had removed it.",
            "It is working again now, please try opening it.",
            "I've also added a check so that permission change can't remove your group again.",
            "We don't have access to change permissions on that drive.",
            "It works again, thank you so much.",
            internal=True,
        ),
        Topic(
            "I'm locked out of my account after too many password attempts. Ticket {ref}.",
            "Sorry, being locked out is frustrating.",
            "I've unlocked your account and sent a reset link to your phone.",
            "The link is valid for the next 30 minutes.",
            "You may also want the authenticator app, so you can reset it yourself next time.",
            "Our policy says only your manager can request an unlock.",
            "I'm back in, thanks.",
            internal=True,
        ),
        Topic(
            "A new starter joins my team on Monday. Can you set up a laptop and accounts for her?",
            "Happy to help, a smooth first day makes a big difference.",
            "I've ordered the laptop and created her email, VPN and HR portal accounts.",
            "Everything will be on her desk by Monday 9:00.",
            "I've also booked her a 20-minute IT welcome session for Monday at 10:00.",
            "The tool doesn't allow creating accounts before the start date.",
            "Brilliant, she's all set. Thanks!",
            internal=True,
        ),
        Topic(
            "The VPN keeps dropping every few minutes when I work from home.",
            "That sounds exhausting when you're trying to work.",
            "I've moved you to the new VPN gateway and pushed the updated profile to your laptop.",
            "Restart the VPN client once and it will use the new gateway.",
            "I've also updated your Wi-Fi driver, which caused the same drops for others.",
            "The VPN is not supported on home networks, rules are rules.",
            "Been connected for an hour without a drop now, thanks!",
            internal=True,
        ),
    ),
    "Logistics": (
        Topic(
            "Where is my parcel? Tracking {ref} hasn't moved in four days.",
            "I'm sorry, four days without news is worrying.",
            "I've found your parcel at the depot and booked it on tomorrow's first van.",
            "You'll get it by 12:00 tomorrow, and a text an hour before.",
            "I've also added a note for the driver to leave it with your neighbour if you're out.",
            "The courier's system doesn't show us where parcels are.",
            "It arrived this morning, thanks!",
        ),
        Topic(
            "My order arrived damaged, the box was crushed and the lamp is broken. Order {ref}.",
            "That's so disappointing, especially for a gift.",
            "I've sent a replacement lamp by express delivery.",
            "It will arrive by Thursday; no need to send the broken one back.",
            "I've also flagged your address for extra packaging on future orders.",
            "Our policy says damage must be reported within 24 hours.",
            "The replacement arrived in one piece, thank you.",
        ),
        Topic(
            "Is my pallet delivery still on for tomorrow morning? We need staff ready to unload.",
            "I understand you need to plan your staff around it.",
            "I can confirm the pallet is loaded and booked for tomorrow between 7:00 and 9:00.",
            "The driver will call 30 minutes before arriving.",
            "I've also sent you the driver's name and the vehicle registration for your gate.",
            "We're not allowed to give delivery times for pallets.",
            "Great, we'll be ready. Thanks!",
        ),
        Topic(
            "Hi, Sales here. A customer needs 40 units of item 7781 by Friday. Do we have them in "
            "the warehouse?",
            "I know Friday deadlines with big customers are tense.",
            "I can confirm we have 52 in the warehouse and I've reserved 40 for your customer.",
            "They will be picked today and dispatched tomorrow for Friday delivery.",
            "I've also asked purchasing to reorder, since stock will be low after this.",
            "The warehouse system doesn't let me reserve stock for Sales.",
            "Customer is happy, thanks for the quick help.",
            internal=True,
        ),
        Topic(
            "This is Harbour Freight. Your goods-in dock refused our delivery for PO {ref} today.",
            "I'm sorry your driver had a wasted trip, that's frustrating.",
            "I've found the problem: the PO was missing from the dock list. I've added it and "
            "booked you a slot.",
            "Your new slot is tomorrow at 14:00, dock 3.",
            "I've also added your next two POs to the dock list so this doesn't happen again.",
            "Due to our procedure the dock can only accept bookings made 48 hours ahead.",
            "Delivered today without a problem, thanks.",
        ),
        Topic(
            "I sent a return two weeks ago (return {ref}) and still have no refund.",
            "Two weeks is a long wait, I'm sorry.",
            "I've found your return in the warehouse and processed the refund.",
            "You'll see the money within 3 business days.",
            "I've also sent you a prepaid label for the second item you asked about.",
            "Our policy is to refund only after quality inspection, which takes up to 30 days.",
            "Refund received, thanks.",
        ),
    ),
}

CUSTOMERS = (
    "Sam Ortiz",
    "Dana Wu",
    "Chris Hale",
    "Maria Lopez",
    "Alex Kim",
    "Jordan Blake",
    "Priti Shah",
    "Noah Meyer",
    "Elena Rossi",
    "Tariq Aziz",
)
COLLEAGUES = (
    ("Maya Brooks", "Sales"),
    ("Felix Hart", "Marketing"),
    ("Grace Liu", "Product"),
    ("Owen Price", "Sales"),
    ("Hana Sato", "Legal"),
    ("Ravi Menon", "Marketing"),
    ("Lucy Ward", "Operations"),
    ("Tom Becker", "Product"),
)
CHANNELS = {
    "Billing": ("email", "chat"),
    "Finance": ("email", "portal"),
    "IT": ("portal", "chat"),
    "Logistics": ("phone", "email", "chat"),
}
STALLS = (
    "We're looking into it, hopefully soon.",
    "It's being looked into. Please bear with us.",
    "Don't worry, someone will get back to you.",
)
CHASERS = ("Any update on this?", "Hello? I'm still waiting.", "This is the second time I ask.")
UNSOLVED = ("That doesn't help me at all.", "So nobody can help? Great.")


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    department: str


def unfold(
    rng: random.Random,
    department: str,
    agent: Agent,
    other: Agent | None,
    at: datetime,
    quality: float,
) -> tuple[list[Message], str, list[str]]:
    """One conversation of ``department`` handled by ``agent`` at ``quality`` (0..1): its
    messages, channel and tags; ``other`` is a colleague who picked it up first and handed
    it over, or None."""
    topic = rng.choice(TOPICS[department])
    tags = ["internal"] if topic.internal else []
    return _messages(rng, topic, agent, other, at, quality), rng.choice(CHANNELS[department]), tags


def _messages(
    rng: random.Random,
    topic: Topic,
    agent: Agent,
    other: Agent | None,
    at: datetime,
    quality: float,
) -> list[Message]:
    ref = f"{rng.randrange(10_000, 99_999)}"
    if topic.internal:
        name, where = rng.choice(COLLEAGUES)
    else:
        name, where = rng.choice(CUSTOMERS), None
    first = name.split()[0]
    messages: list[Message] = []

    def say(role: str, text: str, who: Agent | None = None) -> None:
        nonlocal at
        at += timedelta(minutes=rng.randrange(2, 50))
        if role == "customer":
            messages.append(Message("customer", text, name, where, at))
        else:
            speaker = who or agent
            messages.append(Message("agent", text, speaker.name, speaker.department, at))

    def good(bar: float) -> bool:
        return rng.random() < quality + bar

    say("customer", topic.opening.format(ref=ref))
    if other is not None:  # first picked up by a colleague, who passes it on
        mine = f"{agent.name.split()[0]}, who looks after these"
        say("agent", f"Hi {first}, thanks for your message. I'll pass this to {mine}.", other)
    opening = []
    if good(0.3):
        opening.append(f"Hi {first}, thanks for getting in touch.")
    if good(-0.1):
        opening.append(topic.feeling)
    if not good(0.15):  # a poor first answer: a stall, a hindrance, or someone else's job
        opening.append(rng.choice((rng.choice(STALLS), topic.hindrance)))
        say("agent", " ".join(opening))
        say("customer", rng.choice(CHASERS))
        if not good(0.1):
            say("agent", topic.hindrance if rng.random() < 0.5 else rng.choice(STALLS))
            say("customer", rng.choice(UNSOLVED))
            return messages
        opening = []
    elif good(0.0):
        opening.append("Leave it with me, I'll sort this out.")
    solution = [*opening, topic.action.format(ref=ref), topic.expectation.format(ref=ref)]
    if good(-0.25):
        solution.append(topic.extra)
    if good(0.0):
        solution.append("Is there anything else I can help with?")
    say("agent", " ".join(solution))
    say("customer", topic.thanks)
    if good(-0.1):
        say("agent", f"You're welcome, {first}. Have a great day!")
    return messages
