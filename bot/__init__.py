"""samverkan-bot: a Matrix bot for a local crime-prevention collaboration group."""

__version__ = "0.1.0"
