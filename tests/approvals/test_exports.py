"""Streamed CSV exports of decisions and audit entries: permissions, dates, safe cells."""

import csv
import io

from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.models import Role
from approvals import services
from approvals.exports import csv_lines, safe_cell
from approvals.models import State
from tests.conftest import SENIOR
from tests.factories import PostFactory, UserFactory

DECISIONS = "/review/oversight/export/decisions.csv"
AUDIT = "/review/oversight/export/audit.csv"


def today() -> str:
    return timezone.localdate().isoformat()


def read(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_cells_that_would_start_a_formula_are_prefixed():
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("plain") == "plain"
    assert safe_cell(None) == ""
    assert safe_cell(42) == "42"


def test_the_csv_starts_with_a_byte_order_mark_and_keeps_chinese():
    text = "".join(csv_lines(["标题"], [["地铁三号线今日开通"], ["=HYPERLINK()"]], every=1))
    assert text.startswith("\ufeff标题\r\n")
    assert "地铁三号线今日开通" in text
    assert "'=HYPERLINK()" in text


def test_a_reviewer_exports_the_decisions_of_their_desk(client, reviewer, author):
    post = PostFactory(author=author, state=State.SUBMITTED, title="=cmd|' /C calc'!A0 地铁")
    post = services.post_claim(post=post, by=reviewer)
    services.post_reject(post=post, by=reviewer, reason_code="rumour", note="@mention 不实")
    client.force_login(reviewer)
    response = client.get(DECISIONS, {"from": today(), "to": today()})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = read(response)
    assert rows[0][:3] == ["decided_at", "seq", "post_id"]
    body = {row[2]: row for row in rows[1:]}
    row = body[str(post.pk)]
    assert row[3] == "'=cmd|' /C calc'!A0 地铁"
    assert row[5] == "reject"
    assert row[8] == "rita"
    assert row[9] == "rumour"
    assert row[10] == "'@mention 不实"


def test_a_reviewer_of_another_desk_gets_none_of_this_desks_decisions(
    client, reviewer, outside_reviewer, author, desk
):
    PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    client.force_login(outside_reviewer)
    rows = read(client.get(DECISIONS, {"from": today(), "to": today()}))
    assert rows[1:] == []
    assert client.get(DECISIONS, {"desk": desk.pk}).status_code == 400


def test_an_author_may_not_export(client, author):
    client.force_login(author)
    assert client.get(DECISIONS).status_code == 403
    assert client.get(AUDIT).status_code == 403


def test_bad_dates_are_a_400_saying_what_is_wrong(client, reviewer):
    client.force_login(reviewer)
    for query, message in (
        ({"from": "yesterday"}, "Enter a date as YYYY-MM-DD."),
        ({"from": "2026-02-30"}, "Enter a date as YYYY-MM-DD."),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "is after the end date"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "at most 366 days"),
    ):
        response = client.get(DECISIONS, query)
        assert response.status_code == 400, query
        assert message in response.content.decode(), query


def test_the_audit_export_is_for_operators_only(client, reviewer, author):
    PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    for user in (reviewer, UserFactory(username="sam", roles=SENIOR)):
        client.force_login(user)
        assert client.get(AUDIT).status_code == 403
    for user in (UserFactory(username="olga", roles=[Role.OPERATOR]),):
        client.force_login(user)
        rows = read(client.get(AUDIT, {"from": today(), "to": today()}))
        assert rows[0][0] == "seq"
        actions = [row[2] for row in rows[1:]]
        assert {"post.create", "post.submit", "post.claim", "post.approve"} <= set(actions)
        seqs = [int(row[0]) for row in rows[1:]]
        assert seqs == sorted(seqs)


def test_the_export_defaults_to_the_last_30_days(client, reviewer, author):
    PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    client.force_login(reviewer)
    rows = read(client.get(DECISIONS))
    assert len(rows) == 2
    assert rows[1][5] == "approve"
