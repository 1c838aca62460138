"""An Atom feed of changes: the newest public events of public people, newest recorded first."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from volia.registry.models import Event, PersonName, Source
from volia.security import policy
from volia.web.public import labels, text

FEED_ITEMS = 50
SCAN = 500  # newest events looked at; events the public may not see are skipped


class ChangesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpRequest:
        return request

    def title(self) -> str:
        return _("Volia: new and corrected entries")

    def subtitle(self) -> str:
        return _("The newest public events in the registry of political prisoners, newest first.")

    def link(self) -> str:
        return reverse("public:home")

    def items(self, request: HttpRequest) -> list[Event]:
        # the public's view of the events, whoever asks: a feed is read by aggregators and shared
        anonymous = AnonymousUser()
        people = policy.visible_people(anonymous)
        candidates = (Event.objects.filter(is_current=True, person__in=people)
                      .select_related("person", "facility")
                      .prefetch_related(Prefetch("sources", queryset=Source.objects.all()),
                                        Prefetch("person__names", queryset=PersonName.objects.order_by("id")))
                      .order_by("-recorded_at", "-id")[:SCAN])
        return [e for e in candidates if policy.public_event(e, anonymous)][:FEED_ITEMS]

    def item_title(self, item: Event) -> str:
        name = text.local_name(item.person.names.all())
        return f"{name.text if name else item.person.key}: {labels.label(labels.EVENT_TYPES, item.type)}, {item.date}"

    def item_description(self, item: Event) -> str:
        lines = [f"{labels.label(labels.EVENT_TYPES, item.type)} ({item.date})"]
        if item.facility:
            lines.append(text.facility_name(item.facility))
        return " · ".join(lines)

    def item_link(self, item: Event) -> str:
        return reverse("public:person", args=[item.person.key]) + f"#event-{item.pk}"

    def item_guid(self, item: Event) -> str:
        return f"volia-event-{item.pk}"

    def item_updateddate(self, item: Event) -> dt.datetime:
        return item.recorded_at

    def item_pubdate(self, item: Event) -> dt.datetime:
        return item.recorded_at
