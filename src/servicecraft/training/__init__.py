"""Training the shipped models (needs the `train` extra: scikit-learn, SciPy)."""
