"""Generic spiders, one per source type, configured from ``Source`` rows."""
