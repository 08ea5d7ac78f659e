import pytest

from tests.support.scoring import make_county


@pytest.fixture
async def county(engine, uow_factory, clock):
    """County A with a keeper of A-S1 (zh) and a staff member (en), stations judged."""
    return await make_county(engine, uow_factory, clock)
