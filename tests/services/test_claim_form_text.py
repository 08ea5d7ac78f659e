"""The claim form is a form of the core's engine, so a text-only channel (WeChat) gets it
with numbered replies and the same working, and no channel code."""

from __future__ import annotations

import dataclasses

from bot.domain.claims import ClaimState
from bot.i18n import Translator
from bot.services.forms import Confirmation, Question
from bot.services.forms.text import read_reply, render_confirmation, render_question
from storage.memory import MemoryUnitOfWorkFactory
from tests.support.claims import claims_world, close_october, ship


async def test_a_keeper_files_a_claim_over_a_text_only_channel(clock):
    world = await claims_world(MemoryUnitOfWorkFactory(), clock)
    for n in range(3):
        await ship(world, world.keeper, f"SF10000000{n:02d}")
    await ship(world, world.keeper, "SF2000000000", grams=400)
    await close_october(world)
    t = Translator("zh")
    forms = world.services.forms
    ctx = world.services.form_context(world.keeper, "zh")
    step = await forms.start("claim", ctx)
    said = render_question(step, t)
    assert "申请哪项补贴？" in said and "1. 农产品上行物流补贴" in said and "2. 其他补贴" in said
    step = await forms.answer(step.session, read_reply(step, "1"), ctx)
    assert isinstance(step, Question) and "1. 2026-10" in render_question(step, t)
    step = await forms.answer(step.session, read_reply(step, "1"), ctx)
    assert isinstance(step, Confirmation)
    said = render_confirmation(step, t)
    assert "3 件 × 2.00 元 = 6.00 元，封顶 300.00 元" in said
    assert "未计入：1（低于最低重量）" in said and "SF2000000000" in said
    done = forms.finish(step.session)
    command = dataclasses.replace(done.command, request_key=f"text:{done.session.nonce}")
    filed = await world.services.run(command, world.keeper)
    assert filed.claim.state is ClaimState.DRAFT and filed.claim.amount_fen == 600
