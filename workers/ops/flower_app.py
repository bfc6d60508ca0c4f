"""The Celery app `sealq flower` starts Flower with (`celery -A workers.ops.flower_app flower`).

Flower's process is started by `workers.ops.flower.flower_launch`, which puts the checked
broker URL in CELERY_BROKER_URL; this module is that process's edge and reads it once.
"""

from __future__ import annotations

import os

from celery import Celery

from workers.ops.flower import flower_config

app = Celery("sealq-flower", set_as_current=True)
app.conf.update(flower_config(os.environ["CELERY_BROKER_URL"]))
