"""greyzone: an agent-based model of China's rare-earth export leverage over Japan."""

__version__ = "0.1.0"
