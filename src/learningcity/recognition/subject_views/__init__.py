"""Officer pages of the subjects beside citizens, mounted at /officer/subjects/: households and their members,
clans and their households, organisations and their members, communities (a hamlet or commune is its own
learning community), duplicate people, population figures, and next year's campaign (rollover).

The same rules as the other officer pages (`officer_pages`): the page gate answers sign-in (redirect) and role
(403); the scoped selectors answer which records a user reaches (outside the area: 404, whatever the method);
the services check role and scope again on every write, and a refusal there is a 403.

One module per kind of subject; the views are re-exported here for the URLconf, so the package's
`households`, say, is the view: import a module's own helpers by its full path (`subject_views.common`).
"""

from .clans import clan, clan_create, clan_edit, clan_household_add, clan_household_remove, clan_start, clans
from .communities import communities, community, community_start
from .duplicate_people import duplicate_people
from .households import (
    household,
    household_create,
    household_edit,
    household_member_add,
    household_member_enrol,
    household_member_remove,
    household_start,
    households,
)
from .next_year import campaign_rollover
from .organisations import (
    organisation,
    organisation_create,
    organisation_edit,
    organisation_member_add,
    organisation_member_remove,
    organisation_start,
    organisations,
)
from .population_figures import population_import, population_unit, population_units

__all__ = [
    "campaign_rollover",
    "clan",
    "clan_create",
    "clan_edit",
    "clan_household_add",
    "clan_household_remove",
    "clan_start",
    "clans",
    "communities",
    "community",
    "community_start",
    "duplicate_people",
    "household",
    "household_create",
    "household_edit",
    "household_member_add",
    "household_member_enrol",
    "household_member_remove",
    "household_start",
    "households",
    "organisation",
    "organisation_create",
    "organisation_edit",
    "organisation_member_add",
    "organisation_member_remove",
    "organisation_start",
    "organisations",
    "population_import",
    "population_unit",
    "population_units",
]
