"""Views of the surveys app."""
