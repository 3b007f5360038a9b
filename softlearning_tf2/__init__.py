"""softlearning_tf2: maximum-entropy reinforcement learning (SAC, SQL) in Keras 3 / TensorFlow 2.

Importing the top-level package is cheap: it does not import TensorFlow. Subpackages that need
TensorFlow import it themselves.
"""

__version__ = "0.1.0"
