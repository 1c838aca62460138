"""The five roles. A staff account has one role through its Django group; superusers are administrators.

The permission matrix that says what each role may do is in docs/security.md and is enforced by
volia.security.policy; this module only answers "which role is this user?".
"""

from __future__ import annotations

ADMINISTRATOR = "administrator"
EDITOR = "editor"
RESEARCHER = "researcher"
VOLUNTEER = "volunteer"
PUBLIC = "public"

# strongest first: a user in several groups gets the strongest role
STAFF_ROLES = (ADMINISTRATOR, EDITOR, RESEARCHER, VOLUNTEER)
ROLES = (*STAFF_ROLES, PUBLIC)


def role_of(user) -> str:
    if user is None or not user.is_authenticated or not user.is_active:
        return PUBLIC
    if user.is_superuser:
        return ADMINISTRATOR
    names = {g.name for g in user.groups.all()}
    return next((role for role in STAFF_ROLES if role in names), PUBLIC)
