from celery import shared_task

from .target_import import target_import_process


@shared_task(ignore_result=True)
def target_import_run(target_import_id: int) -> None:
    """Save a large target import; safe to run twice (the service claims the import)."""
    target_import_process(target_import_id=target_import_id)
