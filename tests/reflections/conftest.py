import pytest

from reflections.prompts import prompt_library_load


@pytest.fixture(autouse=True)
def prompt_library(db):
    """The built-in prompts. A data migration loads them, but a transactional test
    elsewhere in the suite empties every table when it ends."""
    prompt_library_load()
