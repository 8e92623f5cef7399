"""Text engines."""
