"""Review analysis on the Huey worker (`guanxi worker`): large imports are analysed here, the
progress kept on the set for its page to show."""

from huey.contrib.djhuey import db_task

from . import services


@db_task()
def analyse_review_set(set_id: int):
    results = services.analyse(set_id)
    return results.pk if results is not None else None
