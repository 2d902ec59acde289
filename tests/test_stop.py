"""The build's stop signal (tiler/stop.py)."""

from __future__ import annotations

import pytest

from tiler.stop import Stop, Stopped


def test_a_stop_calls_what_is_registered_while_it_runs_and_raises_where_checked() -> None:
    stop, called = Stop(), []
    stop.check()  # not set: nothing happens
    with stop.calling(lambda: called.append("during")):
        stop.set()
    assert called == ["during"]
    with stop.calling(lambda: called.append("already")):  # set before the block: at once
        pass
    assert called == ["during", "already"]
    stop.set()  # the blocks are over: nothing is called again
    assert called == ["during", "already"]
    with pytest.raises(Stopped):
        stop.check()
