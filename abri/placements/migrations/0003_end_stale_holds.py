"""End the holds that older code left on requests no longer searched (issue 12, item 2).

Before the workflow's side effects, withdrawing, closing, declining or redirecting a request left
its proposals pending, their places held, and a shelter could still agree. From now on every step
of the workflow ends the proposals its new status does not allow (abri.placements.effects); this
brings the existing rows to the same state, then recounts the counters of the shelters touched.
Not reversible: which withdrawn proposals were stale holds is not kept, and they should not live.
"""

from django.db import migrations
from django.db.models import Sum

HOLDING = ["pending", "agreed", "confirmed"]
# The same rule as abri.placements.effects.LIVE_ALLOWED, frozen here as migrations must be.
LIVE_ALLOWED = {
    "searching": {"pending"},
    "place_found": {"agreed", "confirmed"},
    "travelling": {"confirmed"},
}


def end_stale_holds(apps, schema_editor):
    Proposal = apps.get_model("placements", "Proposal")
    Stay = apps.get_model("placements", "Stay")
    Shelter = apps.get_model("network", "Shelter")
    stale, shelters = [], set()
    for proposal in Proposal.objects.filter(status__in=HOLDING).select_related("request"):
        if proposal.status not in LIVE_ALLOWED.get(proposal.request.status, set()):
            stale.append(proposal.pk)
            shelters.add(proposal.shelter_id)
    # Status only: the closing reason is encrypted from the next migration on, and a bulk
    # update cannot seal it row by row. The timeline keeps why the request left the search.
    Proposal.objects.filter(pk__in=stale).update(status="withdrawn")
    for shelter_id in shelters:
        held = Proposal.objects.filter(shelter_id=shelter_id, status__in=HOLDING, stay__isnull=True)
        occupied = Stay.objects.filter(shelter_id=shelter_id, ended_on__isnull=True)
        taken = (held.aggregate(n=Sum("places"))["n"] or 0) + (occupied.aggregate(n=Sum("places"))["n"] or 0)
        Shelter.objects.filter(pk=shelter_id).update(places_taken=taken)


class Migration(migrations.Migration):
    dependencies = [("placements", "0002_proposal_reminded_at")]

    operations = [migrations.RunPython(end_stale_holds, migrations.RunPython.noop)]
