"""GUI background tasks (`leaddesk.ui.background.run_task`): results and progress on the GUI thread."""

from __future__ import annotations

from leaddesk.ui.background import TaskControl, run_task, wait_for_all


def test_progress_counts_above_32_bits_reach_the_gui_thread(qtbot) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[int, int]] = []
    done: list[str] = []

    def work(control: TaskControl) -> str:
        control.progress(3_000_000_000, 6_000_000_000)  # bytes of a big file, say
        return "ok"

    run_task(work, on_done=done.append, on_progress=lambda d, t: seen.append((d, t)))
    qtbot.waitUntil(lambda: done == ["ok"], timeout=10_000)
    wait_for_all()
    assert seen == [(3_000_000_000, 6_000_000_000)]
