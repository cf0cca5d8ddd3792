"""The reminder job through the real Huey queue: enqueued to storage, dequeued, executed."""

import datetime

from django.utils import timezone
from huey.contrib.djhuey import HUEY

from guanxi.activities.models import Task
from guanxi.activities.tasks import daily_personal_reminders


def test_reminder_job_runs_through_the_queue(personas, customer_of):
    in_two_days = timezone.localdate() + datetime.timedelta(days=2)
    # born in a leap year on that day (a birthday after today is refused)
    customer_of("rep1", name="张三", birthday=in_two_days.replace(year=1992))
    HUEY.flush()
    HUEY.immediate = False
    daily_personal_reminders()  # enqueues, does not run
    assert HUEY.pending_count() == 1 and Task.objects.count() == 0
    task = HUEY.dequeue()
    # djhuey closes "obsolete" connections around a task unless immediate is set; inside the
    # test's transaction that would close the test's own connection on PostgreSQL.
    HUEY.immediate = True
    try:
        HUEY.execute(task)
    finally:
        HUEY.immediate = False
    assert Task.objects.filter(kind="birthday").count() == 1
    assert HUEY.pending_count() == 0
