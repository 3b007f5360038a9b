"""What a running experiment prints: one line per trial result, with the time left."""
import collections
import sys

from ray.tune import ProgressReporter

# The time left is estimated from the trial's last RATE_WINDOW results, not from its whole
# run: a run's first epochs (the random warm-up, no updates) go many times faster than the
# training after them, and an average over all of them would promise half the time at 20%.
RATE_WINDOW = 5


def format_duration(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def total_timesteps(config):
    algorithm = config.get("algorithm_params", {}).get("config", {})
    try:
        return int(algorithm["n_epochs"]) * int(algorithm["epoch_length"])
    except (KeyError, TypeError, ValueError):
        return None


def progress_line(trial_name, result, total, since=None):
    """``trial: timestep 3000/10000 (30%), eval return -812.4, left ~0:42`` (and ``eval
    success 70%`` on goal tasks); an evaluation of several episodes (the last epoch's) shows
    their spread: ``eval return -235.0 ± 54.1 (std over 10 episodes)``; offline runs add
    D4RL's ``normalized score 41.2`` (timestep then counts gradient updates). The time left
    is at the rate since ``since``, an earlier result's ``(timestep, time_total_s)``, or at
    the whole run's rate without one."""
    timestep = result.get("timestep", 0)
    parts = [f"timestep {timestep}" + (f"/{total} ({100 * timestep / total:.0f}%)"
                                       if total else "")]
    evaluation = result.get("evaluation/episode-reward-mean")
    if evaluation is not None:
        episodes = result.get("evaluation/episodes", 1)
        spread = result.get("evaluation/episode-reward-std")
        parts.append(f"eval return {evaluation:.1f}" + (
            f" ± {spread:.1f} (std over {episodes} episodes)"
            if episodes > 1 and spread is not None else ""))
    normalized = result.get("evaluation/normalized-score-mean")  # offline, D4RL's score
    if normalized is not None:
        parts.append(f"normalized score {normalized:.1f}")
    success = result.get("evaluation/success-rate")  # goal tasks
    if success is not None:
        parts.append(f"eval success {100 * success:.0f}%")
    elapsed = result.get("time_total_s")
    if total and timestep and elapsed:
        steps, seconds = timestep, elapsed
        if since is not None and timestep > since[0] and elapsed > since[1]:
            steps, seconds = timestep - since[0], elapsed - since[1]
        parts.append(f"left ~{format_duration(seconds / steps * max(total - timestep, 0))}")
    return f"{trial_name}: {', '.join(parts)}"


class TrialProgressReporter(ProgressReporter):
    """Tune's reporter interface, printing one line per new trial result and per trial that
    ends (status TERMINATED or ERROR), instead of a status table every few seconds."""

    def __init__(self):
        self._reported = {}  # trial id -> (status, training_iteration) last printed
        # trial id -> (timestep, time_total_s) of its last results, the oldest first
        self._recent = collections.defaultdict(lambda: collections.deque(maxlen=RATE_WINDOW))

    def setup(self, start_time=None, total_samples=None, metric=None, mode=None, **kwargs):
        pass

    def _state(self, trial):
        result = trial.last_result or {}
        return trial.status, result.get("training_iteration")

    def should_report(self, trials, done=False):
        return any(self._reported.get(trial.trial_id) != self._state(trial) for trial in trials)

    def report(self, trials, done, *sys_info):
        for trial in trials:
            state = self._state(trial)
            if self._reported.get(trial.trial_id) == state:
                continue
            previous_status = (self._reported.get(trial.trial_id) or (None, None))[0]
            self._reported[trial.trial_id] = state
            seed = (trial.config.get("run_params") or {}).get("seed")
            name = f"trial {trial.trial_id} (seed {seed})"
            if trial.status in ("TERMINATED", "ERROR") and previous_status != trial.status:
                how = "finished" if trial.status == "TERMINATED" else "failed"
                seconds = (trial.last_result or {}).get("time_total_s")
                took = f" after {format_duration(seconds)} of training" if seconds else ""
                print(f"{name}: {how}{took}", file=sys.stdout, flush=True)
            elif state[1] is not None:
                recent = self._recent[trial.trial_id]
                print(progress_line(name, trial.last_result, total_timesteps(trial.config),
                                    since=recent[0] if recent else None),
                      file=sys.stdout, flush=True)
                recent.append((trial.last_result.get("timestep", 0),
                               trial.last_result.get("time_total_s", 0.0)))
