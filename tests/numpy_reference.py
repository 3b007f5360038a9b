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
