"""/metrics adds up every process of a host: two gunicorn processes and a Celery worker
sharing PROMETHEUS_MULTIPROC_DIR, scraped several times (each scrape may be answered by
either gunicorn process), give the same totals."""

import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from approvals.models import Post, State
from tests.e2e.stack import Load, Stack, Tally, make_scene, settle

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _samples(text: str) -> dict[tuple, float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _total(samples, name, **labels) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


def test_metrics_add_up_across_gunicorn_and_celery_processes(tmp_path):
    stack = Stack(PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    tally = Tally(scenario="metrics")
    try:
        scene = make_scene(stack)
        load = Load(stack, scene, tally).start()
        time.sleep(5)
        load.stop()
        settle(stack, scene, tally, timeout=60)
        scrapes = [
            _samples(requests.get(f"{stack.web.url}/metrics", timeout=10).text) for _ in range(6)
        ]
    finally:
        stack.stop()
    approved = Post.objects.filter(author__username=scene.author, state=State.APPROVED).count()
    assert approved > 0 and tally.delivered > 0 and tally.answers[201] > 0
    for samples in scrapes:
        assert _total(samples, "imprimatur_decisions_total", outcome="approve") == approved
        delivered = _total(samples, "imprimatur_webhook_attempts_total", outcome="delivered")
        assert delivered >= tally.delivered  # counted in the worker's processes
        created = _total(samples, "django_http_responses_total_by_status_total", status="201")
        assert created >= tally.answers[201]  # counted in both gunicorn processes
        assert _total(samples, "imprimatur_queue_depth") >= 0
