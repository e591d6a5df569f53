"""What an officer asks for that takes longer than a step (here /thongke) is built by a worker
process and arrives once, whatever happens to the process that took it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update

from bot.dispatcher import Dispatcher
from bot.services import officers as officer_service
from bot.services import tasks as task_service
from bot.tasks import task
from bot.taskworker import TASK_FAILED
from handlers.stats import COUNTING, STILL_COUNTING
from storage import tasks as task_repo
from storage import users as user_repo
from storage.tables import officers as officer_table
from storage.tables import tasks
from tests import officers
from tests.conftest import mailbox_runtime
from tests.flows import submit_idea

staff = officers.staff  # the fixture

FIGURES = "Entries sent: {count}"


def vi(dispatcher, message: str, **params) -> str:
    sentence = dispatcher.translator("vi")._(message)
    return sentence.format(**params) if params else str(sentence)


async def waiting(dispatcher: Dispatcher) -> int:
    async with dispatcher.engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(tasks))).scalar_one()


async def one_idea(dispatcher, resident) -> None:
    await submit_idea(resident, ward="ben nghe")


async def test_figures_are_counted_in_a_worker_process_and_arrive_in_the_chat(
        dispatcher, staff, resident):
    await one_idea(dispatcher, resident)
    lan = staff["lan"]
    await lan.say("/thongke")
    assert lan.text == vi(dispatcher, COUNTING)  # the step only asks
    assert await waiting(dispatcher) == 1
    runtime = mailbox_runtime(dispatcher)  # a real worker process, spawned
    try:
        assert await runtime.tasks.run_pending() == 1
    finally:
        runtime.tasks.close()
    await runtime.deliver("console")
    assert vi(dispatcher, FIGURES, count=1) in lan.inbox[-1].text
    assert await waiting(dispatcher) == 0


async def test_asking_again_before_the_figures_arrive_builds_them_once(dispatcher, staff):
    district = staff["district"]
    await district.say("/thongke")
    await district.say("/thongke 2025")
    assert district.text == vi(dispatcher, STILL_COUNTING)
    assert await waiting(dispatcher) == 1
    before = len(district.inbox)
    await district.say_and_wait("/trogiup")
    assert len([r for r in district.inbox[before:] if "ⓘ" in r.text]) == 1


async def test_a_task_left_by_a_process_that_died_is_taken_over_once_its_lease_runs_out(
        dispatcher, staff, resident):
    await one_idea(dispatcher, resident)
    lan = staff["lan"]
    await lan.say("/thongke")
    async with dispatcher.engine.begin() as conn:  # another process took it, then died
        assert await task_repo.claim(conn, "gone:1:abc")
    runtime = mailbox_runtime(dispatcher)
    runtime.tasks.inline = True
    assert await runtime.tasks.run_pending() == 0  # its lease still holds
    stale = datetime.now(UTC) - task_repo.LEASE - timedelta(seconds=1)
    async with dispatcher.engine.begin() as conn:
        await conn.execute(update(tasks).values(claimed_at=stale))
    assert await runtime.tasks.run_pending() == 1
    await runtime.deliver("console")
    assert vi(dispatcher, FIGURES, count=1) in lan.inbox[-1].text
    # The dead process's result, were it to come back, is not kept: the task is not its own.
    async with dispatcher.engine.begin() as conn:
        assert not await task_repo.finish(conn, 1, "gone:1:abc")


async def test_a_task_whose_worker_died_twice_is_given_up_and_the_officer_told(
        dispatcher, staff):
    lan = staff["lan"]
    await lan.say("/thongke")
    stale = datetime.now(UTC) - task_repo.LEASE - timedelta(seconds=1)
    async with dispatcher.engine.begin() as conn:
        await conn.execute(update(tasks).values(status="running", claimed_by="gone:1:abc",
                                                claimed_at=stale,
                                                attempts=task_repo.MAX_ATTEMPTS))
    before = len(lan.inbox)
    runtime = mailbox_runtime(dispatcher)
    runtime.tasks.inline = True
    await runtime.tasks.run_pending()
    await runtime.deliver("console")
    assert [r.text for r in lan.inbox[before:]] == [vi(dispatcher, TASK_FAILED)]
    assert await waiting(dispatcher) == 0


async def test_an_officer_revoked_after_asking_gets_no_figures(dispatcher, staff, resident):
    await one_idea(dispatcher, resident)
    lan = staff["lan"]
    await lan.say("/thongke")
    async with dispatcher.engine.begin() as conn:
        officer_id = (await conn.execute(select(officer_table.c.id).where(
            officer_table.c.name == "Cán bộ Lan"))).scalar_one()
        assert await officer_service.revoke(conn, officer_id, dispatcher.clock())
    runtime = mailbox_runtime(dispatcher)
    runtime.tasks.inline = True
    await runtime.tasks.run_pending()
    await runtime.deliver("console")
    assert lan.inbox[-1].text == vi(dispatcher, "Your role has no figures to show.")


@task("test:fails")
async def _fails(env, params):
    raise RuntimeError("the build broke")


async def test_a_task_that_breaks_tells_the_officer_and_is_not_tried_forever(dispatcher, staff):
    lan = staff["lan"]
    async with dispatcher.engine.begin() as conn:
        user = await user_repo.load_or_create_user(conn, "console", lan.user, "vi",
                                                   dispatcher.clock())
        assert await task_service.request(conn, user, "test:fails", {}, dispatcher.clock())
    before = len(lan.inbox)
    runtime = mailbox_runtime(dispatcher)
    runtime.tasks.inline = True
    assert await runtime.tasks.run_pending() == 1
    await runtime.deliver("console")
    assert [r.text for r in lan.inbox[before:]] == [vi(dispatcher, TASK_FAILED)]
    assert await waiting(dispatcher) == 0
