"""Handwritten conversations for the bundled sample: every skill and metric, handled well and badly.

Each is (id, channel, survey or None, [(role, author, department, minutes after start, text)]).
"""

from __future__ import annotations

from typing import Any

Turn = tuple[str, str | None, str | None, float, str]

CONVERSATIONS: list[tuple[str, str, dict[str, Any] | None, list[Turn]]] = [
    ("craft-001", "chat", {"csat": 5, "nps": 10, "comment": "Sorted in minutes, lovely person."}, [
        ("customer", "Sam Ortiz", None, 0, "Hi, I was charged twice for order 4411 and I'm really frustrated."),
        ("agent", "Priya Nair", "support", 1, "Hello Sam, thanks for reaching out. I'm so sorry to hear that, a double charge is frustrating. Leave it with me."),
        ("agent", "Priya Nair", "support", 4, "I've refunded the duplicate charge of 59.90; you'll see it on your card within 3 business days. I've also added a note to your account so it won't happen again. Is there anything else I can help with?"),
        ("customer", "Sam Ortiz", None, 6, "That worked, thanks so much!"),
        ("agent", "Priya Nair", "support", 7, "You're very welcome, Sam. Have a great day!"),
    ]),
    ("craft-002", "chat", {"csat": 1, "comment": "Nobody wanted to help."}, [
        ("customer", "Dana Wu", None, 0, "I was charged twice for order 5120."),
        ("agent", "Tom Reed", "support", 25, "That's not my department. You'll need to contact billing about charges."),
        ("customer", "Dana Wu", None, 30, "Can't you just check? This is ridiculous."),
        ("agent", "Tom Reed", "support", 50, "As I already said, billing handles it. We're looking into it, don't worry."),
        ("customer", "Dana Wu", None, 24 * 60, "Any update? Still waiting for my money."),
    ]),
    ("craft-003", "email", {"csat": 4}, [
        ("customer", "Lena Fischer", None, 0, "Can I get a refund on a sale item I bought 45 days ago?"),
        ("agent", "Marco Silva", "support", 90, "Hi Lena, thank you for writing. No, unfortunately sale items can only be refunded within 30 days. What I can do is offer you store credit for the full 35.00, valid for 12 months. Would that work for you?"),
        ("customer", "Lena Fischer", None, 200, "OK, store credit is fine."),
        ("agent", "Marco Silva", "support", 210, "Done: I've issued the credit and sent the code to your email. You can use it straight away."),
    ]),
    ("craft-004", "email", None, [
        ("customer", "Omar Haddad", None, 0, "Can I get a refund on a sale item I bought 45 days ago?"),
        ("agent", "Jo Baker", "support", 60 * 20, "We're looking into it and will get back to you soon."),
        ("customer", "Omar Haddad", None, 60 * 70, "I emailed three days ago. Any news?"),
        ("agent", "Jo Baker", "support", 60 * 90, "Due to our policy we are not allowed to refund sale items. It is what it is."),
    ]),
    ("craft-005", "ticket", {"csat": 4, "ces": 2}, [
        ("customer", "Ravi Patel", None, 0, "My invoice for March shows the wrong VAT number."),
        ("agent", "Ana Costa", "support", 10, "Hi Ravi, thanks for flagging this. Let me check with our billing team."),
        ("system", None, None, 12, "Ticket reassigned to group Billing."),
        ("agent", "Ben Okafor", "billing", 40, "Hello Ravi, Ben from billing here. I've corrected the VAT number and re-issued invoice INV-2291; it's attached. I've also updated your account so future invoices use the right number."),
        ("customer", "Ravi Patel", None, 55, "Perfect, thank you!"),
    ]),
    ("craft-006", "ticket", None, [
        ("customer", "Mia Novak", None, 0, "The reimbursement for my travel expenses hasn't arrived. It's been three weeks."),
        ("agent", "Ana Costa", "support", 30, "Expenses are handled by finance, I'll transfer you to them."),
        ("agent", "Ivy Chen", "finance", 60 * 26, "Finance here. The system won't let me see expense claims from last month, so you'll need to ask IT."),
        ("customer", "Mia Novak", None, 60 * 50, "Hello? Is anyone dealing with this? Still no money."),
        ("agent", "Raj Iyer", "it", 60 * 75, "IT here. That's the finance team's problem, not ours."),
    ]),
    ("craft-007", "chat", {"csat": 5, "nps": 9}, [
        ("customer", "Chloe Martin", None, 0, "My laptop won't turn on after the update and I have a presentation in an hour!"),
        ("agent", "Luis Gomez", "it", 1, "That sounds really stressful, let's fix it quickly. Hold the power button for 30 seconds, then plug in the charger and start it again."),
        ("customer", "Chloe Martin", None, 4, "It's working now!"),
        ("agent", "Luis Gomez", "it", 5, "Great! Just so you know, the update finishes installing on the next restart, so plug in the charger before you shut down tonight. Good luck with the presentation."),
    ]),
    ("craft-008", "chat", None, [
        ("customer", "Ethan Brooks", None, 0, "I don't understand how to export the report."),
        ("agent", "Kim Lee", "it", 3, "It's literally on the first page. Did you even look?"),
        ("customer", "Ethan Brooks", None, 5, "There's no export button on my screen."),
        ("agent", "Kim Lee", "it", 9, "YOU NEED ADMIN RIGHTS FOR THAT. Read the manual next time."),
    ]),
    ("craft-009", "email", {"csat": 4}, [
        ("customer", "Grace Kim", None, 0, "When will my replacement parcel arrive? The first one was damaged."),
        ("agent", "Nina Petrova", "logistics", 45, "Hi Grace, I'm sorry the first parcel arrived damaged. Your replacement was dispatched today with tracking number 7719-2231 and will arrive by Thursday 12 March. I'll check tracking on Wednesday and email you if anything changes."),
    ]),
    ("craft-010", "email", {"csat": 2}, [
        ("customer", "Paul Meyer", None, 0, "When will my replacement parcel arrive?"),
        ("agent", "Oscar Lund", "logistics", 60 * 30, "It has been raised to the backend team as per the escalation matrix and the workflow will progress it in due course, at some point soon."),
        ("customer", "Paul Meyer", None, 60 * 80, "Following up again. That doesn't tell me anything."),
        ("agent", "Oscar Lund", "logistics", 60 * 100, "The courier lost it, that's their fault, not ours. It should be fine."),
    ]),
    ("craft-011", "call", {"csat": 5}, [
        ("customer", "Hannah Scott", None, 0, "Hi, I'd like to change the delivery address for my order, I'm moving on Friday."),
        ("agent", "Priya Nair", "support", 0.5, "Hi Hannah, congratulations on the move! Yes, you can change it until the parcel ships. What's the new address?"),
        ("customer", "Hannah Scott", None, 1, "12 Elm Street, Leeds."),
        ("agent", "Priya Nair", "support", 2, "I've updated the address to 12 Elm Street, Leeds. You'll get a confirmation email within 5 minutes. I've also updated your billing address so your next invoice goes to the new place."),
    ]),
    ("craft-012", "call", {"csat": 2}, [
        ("customer", "Victor Hugo", None, 0, "Can you change my delivery address? I'm moving on Friday."),
        ("agent", "Tom Reed", "support", 1, "The system won't let me change addresses. Our policy says we can't do that once the order is placed."),
        ("customer", "Victor Hugo", None, 2, "So what can I do?"),
        ("agent", "Tom Reed", "support", 3, "Nothing I can do, sorry. You'll need to contact the courier."),
    ]),
    ("craft-013", "chat", None, [
        ("customer", "Zoe Adams", None, 0, "What are your opening hours on Saturday?"),
        ("agent", "Marco Silva", "support", 1, "Hi Zoe! We're open 9:00 to 17:00 on Saturdays. Is there anything else I can help with?"),
    ]),
    ("craft-014", "ticket", {"csat": 5, "nps": 8}, [
        ("customer", "Leo Grant", None, 0, "Our team can't access the shared drive since this morning. We have a client deadline today."),
        ("agent", "Luis Gomez", "it", 8, "I understand how stressful that is with a deadline. I'm on it: the permissions group was removed by a sync error. I've restored it for your team of 6, please sign out and back in."),
        ("customer", "Leo Grant", None, 15, "Fixed, everyone has access again. Thank you!"),
        ("agent", "Luis Gomez", "it", 16, "Glad to help. I've also raised the sync error with the vendor so it doesn't happen again, and I'll update you by Friday with their answer."),
    ]),
    ("craft-015", "email", None, [
        ("customer", "Nora Blake", None, 0, "Why was I charged a late fee? I paid on time."),
        ("agent", "Ivy Chen", "finance", 60 * 4, "Obviously because you paid late. Read your contract."),
        ("customer", "Nora Blake", None, 60 * 5, "I have the bank receipt from the 2nd. That's not what I asked."),
    ]),
    ("craft-016", "email", {"csat": 4}, [
        ("customer", "Nora Blake", None, 0, "Why was I charged a late fee? I paid on time."),
        ("agent", "Ben Okafor", "billing", 60 * 2, "Hi Nora, thank you for asking and sorry for the confusion. You're right: your payment arrived on the 2nd but was matched late on our side. I've reversed the 15.00 fee; it shows on your next statement on 1 April."),
    ]),
    ("craft-017", "chat", None, [
        ("customer", "Ian Ross", None, 0, "Is the blue model back in stock next week?"),
        ("agent", "Kim Lee", "support", 2, "Hopefully soon! We're always restocking, keep checking."),
        ("customer", "Ian Ross", None, 60 * 48, "Still not in stock. Any news?"),
        ("agent", "Kim Lee", "support", 60 * 50, "Yes 100% guaranteed, it will definitely arrive, don't worry!"),
    ]),
    ("craft-018", "chat", {"csat": 4}, [
        ("customer", "Ian Ross", None, 0, "Is the blue model back in stock next week?"),
        ("agent", "Nina Petrova", "support", 2, "No, it won't be back before March. The navy one is in stock now if that works for you, and I can email you the day the blue one arrives."),
        ("customer", "Ian Ross", None, 4, "Please do, thanks."),
        ("agent", "Nina Petrova", "support", 5, "Done, I've set a reminder to email you. Have a lovely weekend!"),
    ]),
    ("craft-019", "ticket", None, [
        ("customer", "Ada Lovel", None, 0, "My salary payslip for February is missing from the portal."),
        ("agent", "Raj Iyer", "it", 60, "Let me check. Internal note follows.", ),
        ("agent", "Raj Iyer", "it", 62, "Payroll export failed again; tell finance."),
        ("agent", "Ivy Chen", "finance", 60 * 6, "Hi Ada, I've re-run the payroll export and your February payslip is now in the portal. Sorry for the wait."),
        ("customer", "Ada Lovel", None, 60 * 7, "Got it, thanks."),
    ]),
    ("craft-020", "chat", {"csat": 3}, [
        ("customer", "Ben Carter", None, 0, "Will my order arrive by Friday? It's a birthday present."),
        ("agent", "Oscar Lund", "logistics", 3, "I can't promise, but I'll chase the courier today and let you know by 5pm whether Friday is realistic."),
        ("agent", "Oscar Lund", "logistics", 200, "Update: the courier confirmed delivery on Friday before noon."),
        ("customer", "Ben Carter", None, 210, "Brilliant, thank you!"),
    ]),
]

# craft-019: the second agent message is an internal note, not shown to the customer.
INTERNAL = {("craft-019", 2)}
