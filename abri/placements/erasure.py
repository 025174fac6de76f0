"""Erasure on request (``abri.referrals.services.person_erase``): the placements' free text goes.

What a shelter or a coordinator wrote about a placement may name the person; the statuses, codes
and dates stay for the statistics, as in ``abri.support.services.support_erase``.
"""

from __future__ import annotations

from abri.placements.models import Disclosure, Incident, Proposal, Stay, Transfer
from abri.referrals.models import Request


def placements_erase(request: Request) -> None:
    for proposal in Proposal.objects.filter(request=request):
        proposal.refusal_text = proposal.closing_reason = proposal.interview_link = None
        proposal.save(update_fields=["refusal_text", "closing_reason", "interview_link", "updated_at"])
    for transfer in Transfer.objects.filter(proposal__request=request):
        transfer.escort = None
        transfer.save(update_fields=["escort", "updated_at"])
    for stay in Stay.objects.filter(request=request):
        stay.exit_note = None
        stay.save(update_fields=["exit_note", "updated_at"])
    for incident in Incident.objects.filter(stay__request=request):
        incident.description = None
        incident.save(update_fields=["description", "updated_at"])
    for disclosure in Disclosure.objects.filter(request=request):
        disclosure.reason = None
        disclosure.save(update_fields=["reason", "updated_at"])
