"""Loss Functions course: reference losses, checks and grading."""

__version__ = "0.1.0"
