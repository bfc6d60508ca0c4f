"""GPU workers: the Celery app, the inference task, the engine, policy and maintenance."""
