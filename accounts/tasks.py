from celery import shared_task

from .staff_import import staff_import_process


@shared_task(ignore_result=True)
def staff_import_run(staff_import_id: int) -> None:
    """Check or apply a large staff import; safe to run twice (the service claims the step)."""
    staff_import_process(staff_import_id=staff_import_id)
