"""The WeChat front end's storage on SQLite and PostgreSQL: a message is claimed once,
its reply read back; the shared token is a compare-and-set; old claims are pruned."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.repositories.wechat import SqlWeChatRepo
from storage.uow import SqlUnitOfWorkFactory

pytestmark = pytest.mark.sql


async def test_claims_replies_tokens_and_pruning(engine, clock):
    uow = SqlUnitOfWorkFactory(engine)
    now = clock.now()
    async with uow(write=True) as tx:
        repo = SqlWeChatRepo(tx.connection)
        assert await repo.claim("wx1", "m:1", "o-1", now)
        assert not await repo.claim("wx1", "m:1", "o-1", now)  # the same message
        assert await repo.claim("wx2", "m:1", "o-1", now)  # another account's
        await repo.store_reply("wx1", "m:1", "好")
        assert (await repo.stored("wx1", "m:1")).reply == "好"
        await repo.mark_custom("wx1", "m:1", now)
        assert (await repo.stored("wx1", "m:1")).delivery == "custom"
        # The token: the first writer wins, a stale version loses.
        assert await repo.put_token("wx1", "t1", now + timedelta(hours=2), None)
        assert not await repo.put_token("wx1", "t-other", now, None)
        token = await repo.token("wx1")
        assert await repo.put_token("wx1", "t2", now, token.version)
        assert not await repo.put_token("wx1", "t3", now, token.version)
        assert (await repo.token("wx1")).token == "t2"
        # A week later the claims are forgotten.
        assert await repo.prune(now + timedelta(days=8)) == 2
        assert await repo.stored("wx1", "m:1") is None
        await tx.commit()
