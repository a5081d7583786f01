"""Shared fixtures of the Python tests."""

import pytest

from models.commer.data import DEFAULT_DATA_DIR, TWEETS_FILE


@pytest.fixture(scope="session")
def shared_data():
    """The training data folder (../shared/data, or COMMER_SHARED_DATA).

    It is part of this project's checkout, so a test that needs it fails when it is
    missing: a silent skip would let the trainer's tests pass without ever running."""
    path = DEFAULT_DATA_DIR / TWEETS_FILE
    if not path.is_file():
        pytest.fail(f"{path} is missing: the training tests need the shared data folder (set COMMER_SHARED_DATA if it lives elsewhere)", pytrace=False)
    return DEFAULT_DATA_DIR
