"""Independent numpy re-computations that the tests compare the TensorFlow code against."""
import numpy as np


def mlp_forward(weights, inputs, activation="relu"):
    """A dense MLP from Keras' weight list [W0, b0, W1, b1, ...], linear output layer."""
    hidden = np.concatenate([np.asarray(x, np.float64) for x in inputs], axis=-1)
    pairs = list(zip(weights[0::2], weights[1::2]))
    for index, (kernel, bias) in enumerate(pairs):
        hidden = hidden @ kernel.astype(np.float64) + bias.astype(np.float64)
        if index < len(pairs) - 1:
            assert activation == "relu"
            hidden = np.maximum(hidden, 0.0)
    return hidden


def gaussian_log_density(x, mean, std):
    """Sum over the last axis of log N(x; mean, std^2)."""
    return np.sum(-0.5 * ((x - mean) / std) ** 2 - np.log(std) - 0.5 * np.log(2 * np.pi),
                  axis=-1)


def tanh_gaussian_log_prob(pre_squash, mean, std):
    """log density of a = tanh(u), u ~ N(mean, std^2), by the change of variables
    p(a) = p(u) / |da/du| with da/du = 1 - tanh(u)^2 (float64, moderate u only)."""
    return (gaussian_log_density(pre_squash, mean, std)
            - np.sum(np.log(1.0 - np.tanh(pre_squash) ** 2), axis=-1))


def policy_shift_and_std(weights, observations, log_scale_bounds=(-20.0, 2.0)):
    output = mlp_forward(weights, [observations])
    shift, log_scale = np.split(output, 2, axis=-1)
    return shift, np.exp(np.clip(log_scale, *log_scale_bounds))


def log_softmax(logits, axis=-1):
    """log softmax in float64, with the maximum factored out."""
    logits = np.asarray(logits, np.float64)
    shifted = logits - logits.max(axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def batch_renorm_forward(x, gamma, beta, mean, variance, steps, training, momentum=0.99,
                         epsilon=1e-3, r_max=3.0, d_max=5.0, warmup_steps=0, fixed_r_d=None):
    """Batch Renormalization (arXiv:1702.03275, Algorithm 1) over axis 0, float64:
    (y, the running mean and variance after the call). ``fixed_r_d`` replaces r and d (what
    the gradient holds constant)."""
    x, gamma, beta, mean, variance = (np.asarray(value, np.float64)
                                      for value in (x, gamma, beta, mean, variance))
    running_std = np.sqrt(variance + epsilon)
    if not training:
        return gamma * (x - mean) / running_std + beta, mean, variance
    batch_mean, batch_variance = x.mean(axis=0), x.var(axis=0)  # biased, as the paper's
    batch_std = np.sqrt(batch_variance + epsilon)
    if steps < warmup_steps:
        r, d = np.ones_like(batch_std), np.zeros_like(batch_std)
    else:
        r = np.clip(batch_std / running_std, 1.0 / r_max, r_max)
        d = np.clip((batch_mean - mean) / running_std, -d_max, d_max)
    if fixed_r_d is not None:
        r, d = fixed_r_d
    y = gamma * ((x - batch_mean) / batch_std * r + d) + beta
    return (y, momentum * mean + (1 - momentum) * batch_mean,
            momentum * variance + (1 - momentum) * batch_variance)


def batch_renorm_mlp_forward(weights, inputs, training, warmup_steps=0):
    """CrossQ's MLP (Batch Renormalization before every dense layer, ReLU between) from
    Keras's weight list [gamma, beta, mean, variance, steps, kernel, bias] per layer, float64:
    (output, the running [mean, variance] of each layer after the call)."""
    hidden = np.concatenate([np.asarray(x, np.float64) for x in inputs], axis=-1)
    layers = [weights[index:index + 7] for index in range(0, len(weights), 7)]
    statistics = []
    for index, (gamma, beta, mean, variance, steps, kernel, bias) in enumerate(layers):
        hidden, new_mean, new_variance = batch_renorm_forward(
            hidden, gamma, beta, mean, variance, int(steps), training,
            warmup_steps=warmup_steps)
        statistics.append([new_mean, new_variance])
        hidden = hidden @ kernel.astype(np.float64) + bias.astype(np.float64)
        if index < len(layers) - 1:
            hidden = np.maximum(hidden, 0.0)
    return hidden, statistics
