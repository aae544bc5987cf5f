"""gunicorn settings for production (`gunicorn -c config/gunicorn.py config.wsgi`, as the
Procfile and compose.yaml do). Every value can be set from the environment."""

import os

from config.prometheus import forget_dead_processes, process_exited

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle processes now and then (memory), not all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
# Request line and headers: gunicorn's limits, stated; bodies are limited by Django.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# Behind a proxy on the same host; set FORWARDED_ALLOW_IPS to the proxy's address otherwise.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-" if os.environ.get("GUNICORN_ACCESS_LOG", "") else None
errorlog = "-"


def on_starting(server):
    forget_dead_processes()


def child_exit(server, worker):
    process_exited(worker.pid)
