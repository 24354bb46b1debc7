# Load Celery with Django so that @shared_task binds to our app.
from .celery_app import app as celery_app

__all__ = ("celery_app",)
