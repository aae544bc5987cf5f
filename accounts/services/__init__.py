"""Account services, one module per concern. Each function that changes something runs in
one transaction and records who did it.

- users: creating accounts and giving them roles
- identity: the real-name check
- pledge: publishing and signing the pledge
- strikes: upheld rejections and the policy that proposes sanctions
- sanctions: warnings, limitations, suspensions and their appeals

None of them imports the post lifecycle (approvals.services); what a sanction does to posts
lives in approvals.enforcement.
"""

from accounts.services.identity import (
    document_digest,
    identities_sharing_document,
    identity_approve,
    identity_reject,
    identity_submit,
)
from accounts.services.pledge import pledge_publish, pledge_sign
from accounts.services.sanctions import (
    proposal_confirm,
    proposal_dismiss,
    sanction_appeal,
    sanction_appeal_decide,
    sanction_apply,
    sanction_lift,
)
from accounts.services.strikes import (
    PolicyStep,
    proposal_for_strikes,
    strike_policy,
    strike_record,
    strike_remove,
    strikes_for_lapsed_appeals,
)
from accounts.services.users import (
    user_create,
    user_set_language,
    user_set_roles,
    user_set_time_zone,
)

__all__ = [
    "PolicyStep",
    "document_digest",
    "identities_sharing_document",
    "identity_approve",
    "identity_reject",
    "identity_submit",
    "pledge_publish",
    "pledge_sign",
    "proposal_confirm",
    "proposal_dismiss",
    "proposal_for_strikes",
    "sanction_appeal",
    "sanction_appeal_decide",
    "sanction_apply",
    "sanction_lift",
    "strike_policy",
    "strike_record",
    "strike_remove",
    "strikes_for_lapsed_appeals",
    "user_create",
    "user_set_language",
    "user_set_roles",
    "user_set_time_zone",
]
