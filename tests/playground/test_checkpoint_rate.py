"""A streaming run's text is checkpointed once a second, less often when the worker streams so
many runs that the checkpoints together would pass the worker's rate."""

from playground.runs.executor import checkpoint_interval


def test_a_few_runs_are_checkpointed_every_second(settings):
    settings.PLAYGROUND_CHECKPOINTS_PER_SECOND = 50
    assert checkpoint_interval(active=1) == 1.0
    assert checkpoint_interval(active=50) == 1.0


def test_many_runs_share_the_workers_checkpoint_rate(settings):
    settings.PLAYGROUND_CHECKPOINTS_PER_SECOND = 50
    assert checkpoint_interval(active=200) == 4.0  # 200 runs, 50 checkpoints a second in all
    settings.PLAYGROUND_CHECKPOINTS_PER_SECOND = 100
    assert checkpoint_interval(active=200) == 2.0
