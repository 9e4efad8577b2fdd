"""oncall: guided incident response for AI systems, in the terminal.

Kept empty on purpose: `oncall validate` must not pay for imports it does not use.
"""

__version__ = "0.1.0"
