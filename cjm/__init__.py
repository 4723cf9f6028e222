"""cjm: from a client's raw exports to Customer Journey Maps, reproducibly."""

from cjm.core.errors import CjmError

__all__ = ["CjmError"]
__version__ = "0.1.0"
