"""walmart-migrate: move Walmart Marketplace seller code from legacy signatures to OAuth."""

__version__ = "0.1.0"
