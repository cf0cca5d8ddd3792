"""Rate-limit counters count every request, also when they arrive at once (the hostile review
beat the public lead form's limit of 20 with 36 of 60 parallel posts accepted)."""

import threading

from django.conf import settings

from guanxi.services_common import count_one


def test_parallel_increments_are_all_counted():
    assert settings.CACHES["default"]["BACKEND"].endswith("FileBasedCache")  # the default
    seen, barrier = [], threading.Barrier(24)

    def hit():
        barrier.wait(timeout=10)
        for _ in range(5):
            seen.append(count_one("guanxi:test:parallel", timeout=60))

    threads = [threading.Thread(target=hit) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 24 * 5 + 1))  # each count handed out once
