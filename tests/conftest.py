"""Fixtures shared by every test folder. Each fixture module owns one server or resource."""

pytest_plugins = [
    "tests.fixtures.ci_skips",
    "tests.fixtures.prism",
    "tests.fixtures.local_server",
    "tests.fixtures.browser",
    "tests.fixtures.ray_cluster",
]
