"""Views of the products app."""
