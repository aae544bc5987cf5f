"""Structured logs: JSON lines, and the request id of a request that queues work shows up on
the worker's lines about that work."""

import json
import time

import pytest
import requests

from accounts.models import User
from approvals.models import Post, State
from tests.e2e.processes import wait_for
from tests.e2e.stack import Stack, make_scene
from tests.factories import PostFactory
from tests.logins import csrf_token, log_in_over_http

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_a_request_id_follows_an_approval_into_the_worker(tmp_path):
    stack = Stack(LOG_FORMAT="json")
    try:
        scene = make_scene(stack)
        post = PostFactory(
            author=User.objects.get(username=scene.author),
            state=State.UNDER_REVIEW,
            reviewer=User.objects.get(username=scene.reviewer),
        )
        session = requests.Session()
        token = csrf_token(log_in_over_http(session, stack.web.url, scene.reviewer).text)
        page = f"{stack.web.url}/posts/{post.pk}/"
        answer = session.post(
            f"{page}approve/",
            data={"csrfmiddlewaretoken": token, "approve-note": "Checked."},
            headers={"Referer": page},
            timeout=30,
        )
        assert "Approved." in answer.text
        wait_for(lambda: stack.receiver.received, timeout=30, message="the webhook")
        time.sleep(1)  # the worker's last lines
        web = _json_lines(stack.web.log.read_text(errors="replace"))
        worker = _json_lines(stack.workers[0].log.read_text(errors="replace"))
    finally:
        stack.stop()
    assert Post.objects.get(pk=post.pk).state == State.APPROVED
    assert web and worker, "both write JSON lines"
    assert all({"event", "level", "timestamp"} <= line.keys() for line in web + worker)
    (approval,) = {
        line["request_id"]
        for line in web
        if line.get("request") == f"POST /posts/{post.pk}/approve/"
    }
    tasks = {line.get("task_id") for line in worker if line.get("request_id") == approval}
    assert tasks - {None}, "the worker's lines about the queued tasks carry the request id"
