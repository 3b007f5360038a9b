"""``softlearning export_policy CHECKPOINT_DIR OUTPUT_DIR``: a checkpoint's policy as a SavedModel.

The environment, spaces and network shapes come from the checkpoint's saved variant. The
SavedModel (signatures ``serving_default``, ``sample`` and, where the policy has a density,
``log_prob``) runs with plain TensorFlow; ``--format tflite`` also writes
``OUTPUT_DIR/policy.tflite`` (deterministic actions). See softlearning_tf2/policies/export.py.
"""
import argparse
import os
import sys

from softlearning_tf2.utils.cli import OneLineErrorParser, report_error, run_with_exit_code

PROG = "softlearning export_policy"


def get_parser():
    parser = OneLineErrorParser(prog=PROG, allow_abbrev=False, description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint_dir", help="a checkpoint directory (checkpoint_NNNNNN)")
    parser.add_argument("output_dir", help="the SavedModel directory to write")
    parser.add_argument("--format", choices=("saved_model", "tflite"), default="saved_model",
                        help="tflite: also write OUTPUT_DIR/policy.tflite (deterministic "
                             "actions) next to the SavedModel")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace OUTPUT_DIR if it exists (only once the export succeeded)")
    parser.add_argument("--quiet", action="store_true", help="print only errors")
    return parser


def _main(argv):
    args = get_parser().parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from softlearning_tf2.checkpoints import Checkpoint, CheckpointError
    from softlearning_tf2.policies.export_output import ExportError, check_output_dir

    progress = (lambda message: None) if args.quiet else (
        lambda message: print(f"export_policy: {message}", flush=True))
    # Paths and files are checked with numpy and json alone, before TensorFlow starts.
    try:
        check_output_dir(args.output_dir, args.overwrite)
        progress(f"reading checkpoint {args.checkpoint_dir}")
        checkpoint = Checkpoint.read(args.checkpoint_dir, for_acting=True)
    except (CheckpointError, ExportError) as error:
        return report_error(PROG, error)

    import tensorflow as tf

    from softlearning_tf2.policies.export import export_policy
    tf.get_logger().setLevel("ERROR")
    try:
        metadata = export_policy(checkpoint, args.output_dir, format=args.format,
                                 overwrite=args.overwrite, progress=progress)
    except (CheckpointError, ExportError) as error:
        return report_error(PROG, error)
    if not args.quiet:
        what = "SavedModel" + (" + policy.tflite" if args.format == "tflite" else "")
        print(f"export_policy: wrote {what} to {args.output_dir} ({metadata['algorithm']} on "
              f"{metadata['environment_id']}, timestep {metadata['training_timestep']}; "
              f"signatures: {', '.join(metadata['signatures'])})")
    return 0


def main(argv=None):
    return run_with_exit_code(_main, sys.argv[1:] if argv is None else list(argv))


if __name__ == "__main__":
    sys.exit(main())
