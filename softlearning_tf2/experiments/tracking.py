"""Experiment trackers through Tune's logger callbacks: MLflow (``--mlflow``) and Weights &
Biases (``--wandb``).

Each trial is one tracker run: the variant's flattened parameters, every reported metric per
epoch, the final checkpoint as an artifact, and the trial's seed and experiment directory as
tags. ``check_trackers`` runs before any trial starts: a missing package, an unreachable
MLflow server or a W&B run that could not log in is one line (exit 2), not a trial that fails
an hour in.
"""
import os

from softlearning_tf2.utils.cli import UsageError

WANDB_OFFLINE_MODES = ("offline", "dryrun", "disabled")
TRACKING_EXTRA = 'pip install -e ".[tracking]"'
CHECK_ENVIRONMENT = {"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0", "MLFLOW_HTTP_REQUEST_TIMEOUT": "10"}


def mlflow_tracking_uri(value):
    """A URI MLflow takes from the flag's value: a directory becomes an absolute file store
    (the trials run in other working directories), a URI stays as it is."""
    if "://" in value or value.startswith("file:"):
        return value
    return "file:" + os.path.abspath(os.path.expanduser(value))


def check_trackers(args):
    """One line naming the tracker that cannot log, before anything starts."""
    if args.mlflow is not None or args.wandb is not None:
        # A tracker's write takes a second or two (an SQLite commit, a W&B queue): Tune's
        # "may be a performance bottleneck" warnings from half a second on would fill the
        # terminal.
        os.environ.setdefault("TUNE_WARN_THRESHOLD_S", "10")
    if args.mlflow is not None:
        _check_mlflow(mlflow_tracking_uri(args.mlflow))
    if args.wandb is not None:
        _check_wandb()


def _check_mlflow(uri):
    try:
        import mlflow  # noqa: F401
        from ray.air.integrations.mlflow import MLflowLoggerCallback  # noqa: F401
    except ImportError as error:
        raise UsageError(f"--mlflow needs the mlflow package ({TRACKING_EXTRA}): "
                         f"{error}") from None
    # One short try: a server that is not there is a message, not minutes of retries. Only
    # for this check: the trials' logging keeps MLflow's own retries.
    saved = {name: os.environ.get(name) for name in CHECK_ENVIRONMENT}
    if uri.startswith(("http://", "https://")):
        os.environ.update(CHECK_ENVIRONMENT)
    try:
        from mlflow.tracking import MlflowClient

        MlflowClient(tracking_uri=uri).search_experiments(max_results=1)
    except Exception as error:  # the client's errors differ by store: say which and why
        reason = " ".join(str(error).split())[:300]
        raise UsageError(f"--mlflow {uri}: the tracking server cannot be reached ({reason})"
                         ) from None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _check_wandb():
    try:
        import wandb
        from ray.air.integrations.wandb import WandbLoggerCallback  # noqa: F401
    except ImportError as error:
        raise UsageError(f"--wandb needs the wandb package ({TRACKING_EXTRA}): "
                         f"{error}") from None
    if os.environ.get("WANDB_MODE", "") in WANDB_OFFLINE_MODES:
        return
    if not (os.environ.get("WANDB_API_KEY") or _wandb_netrc_login(wandb)):
        raise UsageError("--wandb: not logged in to Weights & Biases (run `wandb login`, set "
                         "WANDB_API_KEY, or set WANDB_MODE=offline to write the runs locally "
                         "and `wandb sync` them later)")


def _wandb_netrc_login(wandb):
    """Whether ``wandb login`` stored a key (read from the netrc file; nothing is sent)."""
    import netrc

    host = os.environ.get("WANDB_BASE_URL", "https://api.wandb.ai").split("://")[-1]
    try:
        return netrc.netrc().authenticators(host.split("/")[0]) is not None
    except (FileNotFoundError, netrc.NetrcParseError):
        return False


def trial_tags(trial):
    """The tags every tracker gets per trial: its seed and experiment directory."""
    seed = trial.config.get("run_params", {}).get("seed")
    return {"seed": str(seed), "experiment_directory": os.path.dirname(trial.path)}


class NewestCheckpoints:
    """Each trial's newest checkpoint directory, as Tune reports its saves (``log_trial_save``):
    at the trial's end its ``checkpoint`` may not yet name the last save."""

    def __init__(self):
        self.directories = {}

    def saved(self, trial):
        checkpoint = trial.checkpoint
        if checkpoint is not None and os.path.isdir(checkpoint.path):
            self.directories[trial.trial_id] = checkpoint.path

    def final(self, trial):
        """The trial's newest checkpoint directory on this machine, or None."""
        self.saved(trial)
        return self.directories.get(trial.trial_id)


def tracker_callbacks(args, experiment_name):
    """Tune callbacks for the trackers the flags ask for ([] for none)."""
    callbacks = []
    if args.mlflow is not None:
        callbacks.append(_mlflow_callback(mlflow_tracking_uri(args.mlflow), experiment_name))
    if args.wandb is not None:
        callbacks.append(_wandb_callback(args.wandb, experiment_name))
    return callbacks


def _mlflow_callback(uri, experiment_name):
    from ray.air.integrations.mlflow import MLflowLoggerCallback

    class SoftlearningMLflowCallback(MLflowLoggerCallback):
        """Ray's callback, with the trial's tags, and only the final checkpoint saved as the
        run's artifact (Ray's would copy the whole trial directory, every checkpoint and
        replay-pool chunk of it)."""

        def log_trial_start(self, trial):
            new = trial not in self._trial_runs
            super().log_trial_start(trial)
            if new:
                from mlflow.tracking import MlflowClient

                client = MlflowClient(tracking_uri=self.tracking_uri)
                for key, value in trial_tags(trial).items():
                    client.set_tag(self._trial_runs[trial], key, value)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.newest = NewestCheckpoints()

        def log_trial_save(self, trial):
            self.newest.saved(trial)

        def log_trial_end(self, trial, failed=False):
            directory = self.newest.final(trial)
            if directory is not None:
                from mlflow.tracking import MlflowClient

                MlflowClient(tracking_uri=self.tracking_uri).log_artifacts(
                    self._trial_runs[trial], directory,
                    artifact_path=os.path.basename(directory))
            super().log_trial_end(trial, failed=failed)

    return SoftlearningMLflowCallback(tracking_uri=uri, experiment_name=experiment_name,
                                      save_artifact=False)


def _wandb_callback(project, experiment_name):
    from ray.air.integrations.wandb import WandbLoggerCallback, _QueueItem

    class SoftlearningWandbCallback(WandbLoggerCallback):
        """Ray's callback, with the trial's tags, its run directory inside the trial's (an
        offline run stays with the experiment), and the final checkpoint as an artifact."""

        def _start_logging_actor(self, trial, exclude_results, **wandb_init_kwargs):
            # W&B tags are at most 64 characters: the directory's name is a tag, its whole
            # path goes into the run's config.
            experiment_tags = trial_tags(trial)
            tags = [f"seed={experiment_tags['seed']}",
                    os.path.basename(experiment_tags["experiment_directory"])[:64]]
            wandb_init_kwargs["config"] = {**wandb_init_kwargs.get("config", {}),
                                           **experiment_tags}
            # The logging actor does not see this process's environment when Ray started
            # before it was set: the mode goes in explicitly.
            if os.environ.get("WANDB_MODE"):
                wandb_init_kwargs["mode"] = os.environ["WANDB_MODE"]
            # The logging actor starts in trial.local_path (Tune's staging directory, which
            # may not exist yet: the actor would die before logging anything).
            for directory in (trial.local_path, trial.path):
                os.makedirs(directory, exist_ok=True)
            super()._start_logging_actor(trial, exclude_results, tags=tags, dir=trial.path,
                                         **wandb_init_kwargs)

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.newest = NewestCheckpoints()

        def log_trial_save(self, trial):
            self.newest.saved(trial)  # the upload waits for the trial's end: the final one

        def log_trial_end(self, trial, failed=False):
            directory = self.newest.final(trial)
            if directory is not None and trial in self._trial_queues:
                self._trial_queues[trial].put((_QueueItem.CHECKPOINT, directory))
            super().log_trial_end(trial, failed=failed)

    # The config goes to the run's config once (wandb.init), not into every history row.
    return SoftlearningWandbCallback(project=project, group=experiment_name, log_config=False)
