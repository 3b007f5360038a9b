"""The MultiGoal example's variants: the development defaults plus plotting settings."""
from examples.development import variants as development_variants

ALGORITHMS = ("SQL", "SAC")


def get_variant_spec(args):
    if args.domain != "MultiGoal":
        raise ValueError(f"examples.multi_goal runs the MultiGoal domain only, got "
                         f"{args.domain!r}; valid choices: MultiGoal")
    return development_variants.get_variant_spec(args, plot_every_n_epochs=10,
                                                  plot_num_rollouts=50)
