"""Menu entries of this area (imported by HazardsConfig.ready())."""
