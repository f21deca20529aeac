"""Officer pages: the review queue and decisions, people, enrolment on a citizen's behalf, hamlets, campaigns.

Views parse input, call a service or selector, and render. Who may open a page is asked of `accounts.policy`
(a page the role may never use is a 403); which records they reach comes from the scoped selectors (a record
outside their scope is a 404, whatever the method). The services check role and scope again on every write.

One module per part; the views are re-exported here for the URLconf, so the package's `people`, say, is
the view: import a module's own helpers by its full path (`officer_views.people`).
"""

from .campaigns import campaign_create, campaigns
from .hamlets import hamlet_flag, hamlets
from .people import enrol, people, person, start
from .review import certify, queue, review

__all__ = [
    "campaign_create",
    "campaigns",
    "certify",
    "enrol",
    "hamlet_flag",
    "hamlets",
    "people",
    "person",
    "queue",
    "review",
    "start",
]
