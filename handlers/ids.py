"""Every Block Kit id in one place: action ids, view callback ids, block ids.

Listeners, builders and tests refer to these enums, never to scattered strings.
"""

from __future__ import annotations

import enum


class Command(enum.StrEnum):
    LICENSES = "/licenses"


class Action(enum.StrEnum):
    OPEN_REDUCE = "licenses_open_reduce"
    CANCEL_REQUEST = "licenses_cancel_request"
    CONFIRM_CANCEL = "licenses_confirm_cancel"
    OPEN_DEACTIVATE = "licenses_open_deactivate"
    CONFIRM_DEACTIVATE = "licenses_confirm_deactivate"
    REQUEST_CONSENT = "licenses_request_consent"
    REVIEW_CONSENT = "licenses_review_consent"
    DECLINE_CONSENT = "licenses_decline_consent"
    REVOKE_CONSENT = "licenses_revoke_consent"
    OPEN_LIST = "licenses_open_list"
    """A "See all" button: opens the paged list named in its value (handlers/lists.py)."""
    LIST_PAGE = "licenses_list_page"
    """Previous / next page inside the paged list modal."""
    SNOOZE = "licenses_snooze"
    """"Remind me later" on an early reminder (handlers/snooze.py)."""
    LINK_WORKSPACE = "licenses_link_workspace"
    CHOOSE_LINE = "licenses_choose_line"
    """Remove licenses on an account with several lines: the line (its key in the value)."""
    OPEN_SWITCH = "licenses_open_switch"
    CANCEL_SWITCH = "licenses_cancel_switch"
    """App Home of a workspace not linked yet: link it with the code typed above the button."""
    CHOOSE_LANGUAGE = "licenses_choose_language"
    """The App Home's language selector (handlers/language.py)."""
    # Inputs inside modals (their values are read from view.state).
    SEATS_INPUT = "licenses_seats_input"
    USERS_INPUT = "licenses_users_input"
    CONSENT_CHECKBOX = "licenses_consent_checkbox"
    SIGNATURE_INPUT = "licenses_signature_input"
    LINK_CODE_INPUT = "licenses_link_code_input"
    PACKAGE_INPUT = "licenses_package_input"


class View(enum.StrEnum):
    """Modal callback ids."""

    REDUCE = "licenses_reduce_modal"
    DEACTIVATE = "licenses_deactivate_modal"
    CONSENT = "licenses_consent_modal"
    LIST = "licenses_list_modal"
    CHOOSE_LINE = "licenses_choose_line_modal"
    SWITCH = "licenses_switch_modal"


class Block(enum.StrEnum):
    SEATS = "licenses_seats"
    USERS = "licenses_users"
    CONSENT_CHECKBOX = "licenses_consent_check"
    SIGNATURE = "licenses_signature"
    BANNER = "licenses_banner"
    TEAMLEADER = "licenses_teamleader"
    LINK_CODE = "licenses_link_code"
    ACTIONS = "licenses_actions"
    LANGUAGE = "licenses_language"
    PACKAGE = "licenses_package"
