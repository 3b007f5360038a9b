import re

from setuptools import find_packages, setup

with open("softlearning_tf2/version.py") as file:
    VERSION = re.search(r'__version__ = "([^"]+)"', file.read()).group(1)

setup(
    name="softlearning_tf2",
    version=VERSION,
    description="Maximum-entropy reinforcement learning (SAC, SQL) in Keras 3 / TensorFlow 2, "
                "with a Ray Tune experiment runner.",
    packages=find_packages(include=["softlearning_tf2", "softlearning_tf2.*",
                                    "examples", "examples.*"]),
    python_requires=">=3.10",
    install_requires=[
        "tensorflow>=2.21,<2.22",
        "tf-keras>=2.21,<2.22",
        "tensorflow-probability>=0.25,<0.26",
        "keras>=3.15,<4",
        "numpy>=1.26",
        "gymnasium[mujoco,classic-control]>=1.4,<1.5",
        "mujoco>=3.17,<3.18",
        "dm-control>=1.0.50,<1.1",
        "gymnasium-robotics>=1.4.2,<1.5",
        "box2d>=2.3.10",
        "MinAtar>=1.0.15",
        "imageio>=2.30",
        "ray[tune]>=2.60,<2.61",
        "minari[hdf5]>=0.5.4,<0.6",
        "tensorboardX>=2.6",
        "tensorboard>=2.21,<2.22",
        "pandas>=2.2,<3",
        "matplotlib>=3.8",
        "tqdm>=4.66",
    ],
    extras_require={
        "test": ["pytest>=8.0", "pytest-xdist>=3.5", "rliable==1.2.0", "arch==7.2.0"],
        # The documentation site (mkdocs.yml); verified together on the project's machine kind.
        "docs": ["mkdocs==1.6.1", "mkdocs-material==9.8.2", "mkdocstrings==1.0.8",
                 "mkdocstrings-python==2.0.11", "latex2mathml==3.81.1"],
        # Experiment trackers and Optuna's sampler through Tune (--mlflow, --wandb,
        # --search optuna); MLflow's SQLite store needs SQLAlchemy and Alembic.
        "tracking": ["optuna==4.6.0", "mlflow-skinny==3.18.0", "sqlalchemy==2.1.9",
                     "alembic==1.20.1", "wandb==0.31.0"],
    },
    entry_points={
        "console_scripts": [
            "softlearning=softlearning_tf2.scripts.console_scripts:main",
        ],
    },
)
