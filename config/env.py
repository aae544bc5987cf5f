"""The one place settings are read from the environment (12-factor).

A `.env` file beside manage.py is read when present (never committed; see `.env.example`).
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
