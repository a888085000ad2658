"""Every model of the application, imported in one place for migrations and mapper configuration."""

from kb.accounts.models import AuditEvent, Notification, User
from kb.accounts.tokens import ApiToken
from kb.adoption.models import PracticeAdoption
from kb.attachments.models import Attachment
from kb.collections.models import Collection, CollectionItem
from kb.duplicates.models import PracticeFingerprint, PracticeFingerprintBand
from kb.oai.models import OaiTombstone
from kb.practices.models import Practice, PracticeAssessment, PracticeAuthor, PracticeTransition, PracticeVersion
from kb.resolutions.models import Recommendation, Resolution
from kb.search.models import IndexOutbox, SavedSearch
from kb.vocabularies.models import AddresseeType, EducationLevel, Municipality, Region, Subject, Topic

__all__ = [
    "AddresseeType", "ApiToken", "Attachment", "AuditEvent", "Collection", "CollectionItem", "EducationLevel",
    "IndexOutbox", "Municipality", "Notification", "OaiTombstone", "Practice", "PracticeAdoption", "PracticeAssessment",
    "PracticeAuthor", "PracticeFingerprint", "PracticeFingerprintBand",
    "PracticeTransition", "PracticeVersion", "Recommendation", "Region", "Resolution", "SavedSearch", "Subject",
    "Topic", "User",
]
