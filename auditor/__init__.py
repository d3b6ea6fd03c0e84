"""The model openness auditor: is this AI model actually open, and can I prove it?"""

__version__ = "0.1.0"
