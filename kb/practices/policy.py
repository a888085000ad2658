"""Who may do what with a practice: the one place these rules live (pages and API call it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kb.accounts.models import User
    from kb.practices.models import Practice

# action -> (statuses it starts from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({"draft", "returned"}), "submitted"),
    "publish": (frozenset({"submitted"}), "published"),
    "return": (frozenset({"submitted"}), "returned"),
    "archive": (frozenset({"published"}), "archived"),
    "restore": (frozenset({"archived"}), "published"),
}
ACTION_LABELS = {
    "submit": "Отправить на рассмотрение",
    "publish": "Опубликовать",
    "return": "Вернуть на доработку",
    "archive": "Перенести в архив",
    "restore": "Вернуть из архива",
}
MODERATOR_ACTIONS = frozenset({"publish", "return", "archive", "restore"})


def organisation_key(text: str | None) -> str:
    """An organisation's name as scopes compare it: case, ё and spacing aside."""
    return " ".join((text or "").lower().replace("ё", "е").split())


def _signed_in(user: User | None) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_owner(user: User | None, practice: Practice) -> bool:
    return _signed_in(user) and practice.owner_id is not None and practice.owner_id == user.id


def is_coauthor(user: User | None, practice: Practice) -> bool:
    """Whether one of the practice's author lines is linked to this account and she accepted the invitation
    (kb.practices.coauthors): she sees the practice, its drafts too, and gets its certificate; she edits nothing of it
    (``can_edit`` knows no co-author). An invitation not accepted yet gives nothing."""
    return _signed_in(user) and any(author.user_id == user.id and author.link_confirmed
                                    for author in practice.authors)


def is_invited(user: User | None, practice: Practice) -> bool:
    """Whether one of the practice's author lines is linked to this account and waits for her answer."""
    return _signed_in(user) and any(author.user_id == user.id and not author.link_confirmed
                                    for author in practice.authors)


def is_author(user: User | None, practice: Practice) -> bool:
    """The owner or a linked co-author: one of those whose experience the practice is (no follower of it)."""
    return is_owner(user, practice) or is_coauthor(user, practice)


def moderation_scope(user: User | None) -> tuple[str, str, str]:
    """What the user moderates: ("all", "", "") for an administrator; a methodist's ("region", code, "") or
    ("organisation", region code, folded name): an organisation in its region only, since thousands of schools
    in different regions share a name («МБОУ «СОШ № 1»»); ("none", "", "") for anyone else, and for a methodist
    whose organisation has no region (an account made before the region was asked: he moderates nothing)."""
    if not _signed_in(user) or user.role not in ("admin", "methodist"):
        return ("none", "", "")
    if user.role == "admin":
        return ("all", "", "")
    organisation = organisation_key(user.scope_organisation)
    if organisation:
        return ("organisation", user.scope_region_code, organisation) if user.scope_region_code else ("none", "", "")
    if user.scope_region_code:
        return ("region", user.scope_region_code, "")
    return ("none", "", "")


def in_scope(user: User | None, practice: Practice) -> bool:
    """Whether the user moderates this practice: admins everything, methodists their region or their organisation
    in its region (``moderation_scope``)."""
    kind, region_code, organisation = moderation_scope(user)
    if kind == "all":
        return True
    if kind == "region":
        return practice.region_code == region_code
    if kind == "organisation":
        return practice.region_code == region_code and organisation_key(practice.organisation) == organisation
    return False


def can_view(user: User | None, practice: Practice) -> bool:
    """Published practices are public; anything else only for its author, its linked co-authors and its
    moderators."""
    return (practice.status == "published" or is_owner(user, practice) or in_scope(user, practice)
            or is_coauthor(user, practice))


def counts_as_reader(user: User | None, practice: Practice) -> bool:
    """Whether this user's visit to the practice's page is a reader's view (its ``views``): not its owner's own
    reloads nor a co-author's who accepted the invitation (its authors), nor the methodists and administrators who
    moderate it (a methodist of another region reading it is a reader)."""
    return not is_author(user, practice) and not in_scope(user, practice)


def can_edit(user: User | None, practice: Practice) -> bool:
    """Authors edit drafts and returned practices; moderators of the scope edit anything not archived."""
    if in_scope(user, practice):
        return practice.status != "archived"
    return is_owner(user, practice) and practice.status in ("draft", "returned")


def can_delete(user: User | None, practice: Practice) -> bool:
    """Administrators delete anything; an author deletes a draft never submitted."""
    if _signed_in(user) and user.role == "admin":
        return True
    return is_owner(user, practice) and practice.status == "draft"


def can_link_recommendations(user: User | None, practice: Practice) -> bool:
    """The author and the moderators of the scope say which recommendations a practice answers, in any status."""
    return is_owner(user, practice) or in_scope(user, practice)


def can_transition(user: User | None, practice: Practice, action: str) -> bool:
    """Whether ``action`` is allowed to this user on this practice in its current status."""
    if action not in TRANSITIONS or practice.status not in TRANSITIONS[action][0]:
        return False
    if action in MODERATOR_ACTIONS:
        return in_scope(user, practice)
    if practice.owner_id is None or practice.external_scope:
        # A registry load (numbered in an office's registry, or left without an owner when the importer's account
        # was deleted) is the office's, not the person's who pressed «Загрузить»: any moderator of its scope sends it.
        return in_scope(user, practice) or is_owner(user, practice)
    return is_owner(user, practice) or (_signed_in(user) and user.role == "admin")


def allowed_actions(user: User | None, practice: Practice) -> list[str]:
    """The transitions this user may make now, in display order."""
    return [action for action in TRANSITIONS if can_transition(user, practice, action)]


def can_assess(user: User | None, practice: Practice) -> bool:
    """The expert assessment of a practice under review: whoever may publish it (its moderators), except its
    authors: a methodist or an administrator who wrote the practice (its owner or a co-author who accepted the
    invitation) does not assess it herself (with EXPERT_ASSESSMENT_REQUIRED another moderator assesses it before it
    is published). An invitation not answered takes nothing away: else an author would choose who may not assess
    her practice just by inviting that methodist."""
    return (practice.status == "submitted" and can_transition(user, practice, "publish")
            and not is_author(user, practice))


def can_get_certificate(user: User | None, practice: Practice) -> bool:
    """The certificate of inclusion in the bank: of a published practice, for its owner, its moderators and the
    co-authors whose author line is linked to their account (an unlinked one gets hers from the owner or a
    methodist)."""
    return practice.status == "published" and (is_owner(user, practice) or in_scope(user, practice)
                                               or is_coauthor(user, practice))


def can_manage_coauthors(user: User | None, practice: Practice, author=None) -> bool:
    """Who links an author line to a co-author's account and unlinks it: the owner, whatever the status (a link
    changes nothing of the text), and whoever may edit the practice (its methodists, the administrators). With
    ``author`` (a line of the practice): also the account that line is linked to (invited or confirmed) — she
    unlinks herself at any time, her own line only."""
    if is_owner(user, practice) or can_edit(user, practice):
        return True
    return author is not None and _signed_in(user) and author.user_id == user.id


def can_see_assessments(user: User | None, practice: Practice) -> bool:
    """Assessments are for the practice's moderators and, as feedback, its author; not for the public."""
    return is_owner(user, practice) or in_scope(user, practice)


def sees_assessors(user: User | None, practice: Practice) -> bool:
    """Who assessed and the earlier rounds: the moderators; the author sees the scores and the conclusion."""
    return in_scope(user, practice)
