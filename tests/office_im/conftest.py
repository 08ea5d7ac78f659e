import pytest


@pytest.fixture
async def county(uow_factory, clock):
    """County A with a keeper of A-S1 (zh) and a staff member (en); on every backend."""
    from tests.support.scoring import make_county

    return await make_county(uow_factory, clock)
