"""Which model permissions each role (group) holds. Applied by a data migration."""

ROLE_PERMISSIONS: dict[str, list[str]] = {
    "author": ["approvals.add_post"],
    "reviewer": ["approvals.review_post"],
    "senior_reviewer": [
        "approvals.review_post",
        "approvals.decide_appeal",
        "approvals.revoke_post",
        "approvals.release_any_claim",
        "accounts.apply_sanction",
    ],
    "operator": [
        "approvals.view_post",
        "approvals.add_desk",
        "approvals.change_desk",
        "approvals.view_desk",
        "approvals.add_reasoncode",
        "approvals.change_reasoncode",
        "approvals.view_reasoncode",
        "approvals.view_auditentry",
        "accounts.verify_identity",
    ],
}
