"""/staff/: the staff workspace (issue 6). Every view checks its permission through volia.security.policy.

The statistics pages stay at /staff/stats/ (volia.web.urls).
"""

from django.urls import path

from volia.web.staff import dashboard, imports, people, review

app_name = "staff"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("people/", people.people, name="people"),
    path("people/<str:key>/", people.person, name="person"),
    path("people/<str:key>/events/new/", people.add_event, name="add_event"),
    path("people/<str:key>/events/<int:event_id>/correct/", people.correct_event, name="correct_event"),
    path("people/<str:key>/events/<int:event_id>/retract/", people.retract_event, name="retract_event"),
    path("people/<str:key>/names/new/", people.add_name, name="add_name"),
    path("import/", imports.start, name="import"),
    path("import/mapping/", imports.mapping_step, name="import_mapping"),
    path("import/mapping.toml", imports.mapping_file, name="import_mapping_file"),
    path("import/preview/", imports.preview_step, name="import_preview"),
    path("import/confirm/", imports.confirm, name="import_confirm"),
    path("import/cancel/", imports.cancel, name="import_cancel"),
    path("review/", review.queue, name="review"),
    path("review/<int:candidate_id>/decide/", review.decide, name="review_decide"),
    path("review/merges/<int:merge_id>/unmerge/", review.unmerge, name="review_unmerge"),
]
