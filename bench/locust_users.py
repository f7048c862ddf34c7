"""People reading one page of the interface: ``bench/load.py --think`` runs this with Locust.

Each simulated user asks for the page, reads it for a random ``LOAD_THINK_MIN`` to
``LOAD_THINK_MAX`` seconds, and asks again. The page and the logged-in session come from the
environment (``LOAD_PATH``, ``LOAD_COOKIE``, ``LOAD_USER_AGENT``); anything but a 200 (a
redirect to the login page: the session was refused) counts as a failure.
"""

from __future__ import annotations

import os

from locust import HttpUser, between, task


class Reader(HttpUser):
    wait_time = between(float(os.environ["LOAD_THINK_MIN"]), float(os.environ["LOAD_THINK_MAX"]))

    @task
    def read(self) -> None:
        headers = {"Cookie": os.environ["LOAD_COOKIE"], "User-Agent": os.environ["LOAD_USER_AGENT"]}
        with self.client.get(
            os.environ["LOAD_PATH"], headers=headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
