"""/staff/review/: the record-linkage review queue (accept = merge, reject) and the merge history
with un-merge. Only for users allowed "linkage.review"; decisions go through volia.linkage.services.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from volia.core import codes
from volia.linkage import services as linkage
from volia.linkage.features import Rec
from volia.linkage.models import Candidate, Merge
from volia.registry import services
from volia.registry.models import PersonName
from volia.security import policy
from volia.web.staff.access import render, staff_view
from volia.web.staff.forms import ReasonForm

QUEUE_LENGTH = 50
HISTORY_LENGTH = 50


@dataclass
class Side:
    key: str
    rec: Rec

    @property
    def region(self) -> str:
        return codes.REGIONS.get(self.rec.region, self.rec.region)

    @property
    def articles(self) -> str:
        return ", ".join(sorted(self.rec.articles))

    @property
    def sex(self) -> str:
        return codes.SEX.get(self.rec.sex, self.rec.sex)


@dataclass
class Pair:
    candidate: Candidate
    left: Side
    right: Side
    levels: dict[str, str]
    form: ReasonForm


def _pairs(candidates: list[Candidate], forms: dict[int, ReasonForm]) -> list[Pair]:
    """Both records as they are now (the features keep what they were when proposed), in a few queries."""
    ids = [i for c in candidates for i in (c.left_id, c.right_id)]
    recs = {r.id: r for r in linkage.registry_records(ids)} if ids else {}
    return [Pair(candidate=c, left=Side(c.left.key, recs[c.left_id]), right=Side(c.right.key, recs[c.right_id]),
                 levels=dict(c.features.get("levels", {})), form=forms.get(c.pk) or ReasonForm(prefix=f"c{c.pk}"))
            for c in candidates]


def _page(request: HttpRequest, forms: dict[int, ReasonForm] | None = None,
          merge_forms: dict[int, ReasonForm] | None = None, status: int = 200) -> HttpResponse:
    queue = linkage.review_queue(request.user, limit=QUEUE_LENGTH)
    visible = policy.visible_people(request.user)
    names = Prefetch("names", queryset=PersonName.objects.filter(is_primary=True))
    merges = list(Merge.objects.filter(survivor__in=visible)
                  .select_related("survivor", "merged", "candidate")
                  .prefetch_related(Prefetch("survivor__names", queryset=names.queryset),
                                    Prefetch("merged__names", queryset=names.queryset))[:HISTORY_LENGTH])
    merge_forms = merge_forms or {}
    return render(request, "staff/review.html", {
        "pairs": _pairs(queue, forms or {}),
        "proposed_total": Candidate.objects.filter(status="proposed", left__in=visible, right__in=visible).count(),
        "merges": [(m, merge_forms.get(m.pk) or ReasonForm(prefix=f"m{m.pk}")) for m in merges],
    }, status=status)


@staff_view("linkage.review")
def queue(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@staff_view("linkage.review")
def decide(request: HttpRequest, candidate_id: int) -> HttpResponse:
    visible = policy.visible_people(request.user)
    candidate = Candidate.objects.filter(pk=candidate_id, left__in=visible, right__in=visible).first()
    if candidate is None:
        raise Http404("no such candidate")
    policy.require(request.user, "person.merge", candidate.left)
    accept = request.POST.get("decision") == "accept"
    if request.POST.get("decision") not in ("accept", "reject"):
        raise Http404("unknown decision")
    form = ReasonForm(request.POST, prefix=f"c{candidate.pk}")
    if form.is_valid():
        try:
            merge = linkage.decide(candidate, accept, actor=services.Actor.of_user(request.user),
                                   reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            if merge is not None:
                messages.success(request, f"Merged {candidate.right.key} into {candidate.left.key} "
                                          f"(merge #{merge.pk}; it can be undone below).")
            else:
                messages.success(request, f"Rejected: {candidate.left.key} and {candidate.right.key} are "
                                          "different people; the pair will not be proposed again.")
            return redirect("staff:review")
    return _page(request, forms={candidate.pk: form}, status=400)


@require_POST
@staff_view("linkage.review")
def unmerge(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = Merge.objects.filter(pk=merge_id, survivor__in=policy.visible_people(request.user)).first()
    if merge is None:
        raise Http404("no such merge")
    policy.require(request.user, "person.merge", merge.survivor)
    form = ReasonForm(request.POST, prefix=f"m{merge.pk}")
    if form.is_valid():
        try:
            linkage.unmerge(merge, actor=services.Actor.of_user(request.user), reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, f"Merge #{merge.pk} undone: {merge.merged.key} is a separate person again.")
            return redirect("staff:review")
    return _page(request, merge_forms={merge.pk: form}, status=400)
