"""Records nobody can rewrite: the audit chain, its append-only table, audit_verify, the row
history of people's records, and an admin that cannot delete them."""

import itertools

import pghistory.models
import pgtrigger
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import ProgrammingError, connection, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from accounts.models import Identity, Sanction
from accounts.services import sanctions
from approvals.audit import GENESIS, chain_hash, stored_entries
from approvals.models import AuditChainHead, AuditEntry, Revision, State
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db

TRIGGER = "approvals.AuditEntry:audit_append_only"


@pytest.fixture
def history(author, reviewer, senior):
    """A few decisions: a post approved, another rejected and appealed, a sanction."""
    PostFactory(author=author, state=State.APPROVED, reviewer=reviewer)
    PostFactory(author=author, state=State.APPEALED, reviewer=reviewer)
    sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    return list(AuditEntry.objects.order_by("seq"))


def _verify() -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_every_entry_links_to_the_one_before(history):
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert history[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(history):
        assert after.prev_hash == before.hash
    entries = list(stored_entries())
    assert all(chain_hash(e["prev_hash"], e) == e["hash"] for e in entries)
    assert AuditChainHead.objects.get().seq == history[-1].seq
    assert "intact" in _verify()


def test_account_decisions_are_in_the_chain(history, author):
    entry = AuditEntry.objects.get(action="sanction.apply")
    assert entry.account == author and entry.post is None and entry.data["kind"] == "warning"


@pytest.mark.postgres
def test_the_database_refuses_to_update_or_delete_an_audit_entry(history):
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AuditEntry.objects.filter(pk=history[0].pk).update(note="rewritten")
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE approvals_auditentry SET note = 'x' WHERE id = %s", [history[0].pk])
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_auditentry WHERE id = %s", [history[1].pk])
    with pytest.raises(ProgrammingError), transaction.atomic():
        Revision.objects.update(body="rewritten")
    with pytest.raises(ProgrammingError), transaction.atomic():
        AuditChainHead.objects.update(seq=0)  # the head only moves forward
    assert "intact" in _verify()


@pytest.mark.postgres
def test_audit_verify_names_a_changed_entry(history):
    victim = history[2]
    with pgtrigger.ignore(TRIGGER), connection.cursor() as cursor:  # someone with DB powers
        cursor.execute(
            "UPDATE approvals_auditentry SET note = 'nothing to see' WHERE id = %s", [victim.pk]
        )
    with pytest.raises(CommandError, match=f"entry {victim.seq} was changed"):
        _verify()


@pytest.mark.postgres
def test_audit_verify_names_a_deleted_entry(history):
    victim = history[1]
    with pgtrigger.ignore(TRIGGER), connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_auditentry WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=f"entry {victim.seq} is missing"):
        _verify()


@pytest.mark.postgres
def test_audit_verify_notices_entries_cut_from_the_end(history):
    with pgtrigger.ignore(TRIGGER), connection.cursor() as cursor:
        cursor.execute("DELETE FROM approvals_auditentry WHERE seq = %s", [history[-1].seq])
    with pytest.raises(CommandError, match="removed from the end"):
        _verify()


@pytest.mark.postgres
def test_a_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link(history):
    victim = history[0]
    values = next(iter(stored_entries()))
    values["note"] = "forged"
    forged = chain_hash(values["prev_hash"], values)
    with pgtrigger.ignore(TRIGGER), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE approvals_auditentry SET note = 'forged', hash = %s WHERE id = %s",
            [forged, victim.pk],
        )
    with pytest.raises(CommandError, match="entry 2 does not follow entry 1"):
        _verify()


@pytest.mark.postgres
def test_records_about_people_keep_a_history_and_cannot_be_deleted(
    author, senior, second_senior, desk
):
    sanction = sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    sanctions.sanction_lift(sanction=sanction, by=second_senior, note="Served.")
    events = pghistory.models.Events.objects.tracks(sanction).order_by("pgh_created_at")
    assert [e.pgh_label for e in events] == ["insert", "update"]
    for model in (Sanction, Identity):
        with pytest.raises(ProgrammingError), transaction.atomic():
            model.objects.filter(user=author).delete()
    reviewer = UserFactory(username="newbie", reviewer_on=[desk])
    assignments = apps.get_model("approvals", "DeskUserObjectPermissionEvent").objects
    assert assignments.filter(user=reviewer, content_object=desk, pgh_label="insert").exists()


def test_the_admin_cannot_delete_sanctions_strikes_identities_or_signatures(
    client, author, senior, reviewer
):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    sanction = sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    for model, obj in (
        ("sanction", sanction),
        ("identity", author.identity),
        ("pledgesignature", author.pledge_signatures.first()),
    ):
        url = reverse(f"admin:accounts_{model}_delete", args=[obj.pk])
        assert client.post(url, {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()
    assert client.get(reverse("admin:accounts_strike_changelist")).status_code == 200


def test_deleting_an_account_with_records_is_refused(author, senior):
    sanctions.sanction_apply(user=author, by=senior, kind="warning", note="Careful.")
    with pytest.raises(ProtectedError):
        author.delete()


@pytest.mark.postgres
def test_a_trail_truncated_and_rewritten_without_the_key_does_not_verify(history, settings):
    """Row triggers do not see TRUNCATE; the key outside the database does."""
    entries = list(stored_entries())
    settings.AUDIT_CHAIN_KEY = "a key the forger guessed"
    forged, prev = [], GENESIS
    for entry in entries[:-1]:  # drop the last decision and chain the rest again
        entry = dict(entry, prev_hash=prev)
        entry["hash"] = prev = chain_hash(prev, entry)
        forged.append(entry)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE approvals_auditentry, approvals_auditchainhead")
    AuditEntry.objects.bulk_create(AuditEntry(**entry) for entry in forged)
    AuditChainHead.objects.create(pk=1, seq=len(forged), hash=prev)
    settings.AUDIT_CHAIN_KEY = ""  # the real key again
    with pytest.raises(CommandError, match="entry 1 was changed"):
        _verify()


@pytest.mark.postgres
def test_a_missing_chain_head_is_a_broken_chain(history):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE approvals_auditchainhead")
    with pytest.raises(CommandError, match="head is missing"):
        _verify()


@pytest.mark.postgres
def test_a_signed_pledge_cannot_be_rewritten(client, author):
    from accounts.models import PledgeVersion

    pledge = PledgeVersion.objects.get()
    with pytest.raises(ProgrammingError), transaction.atomic():
        PledgeVersion.objects.update(clauses="I may publish whatever I like.")
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    url = reverse("admin:accounts_pledgeversion_change", args=[pledge.pk])
    client.post(url, {"title": "x", "clauses": "I may publish whatever I like."})
    assert PledgeVersion.objects.get().clauses == pledge.clauses
