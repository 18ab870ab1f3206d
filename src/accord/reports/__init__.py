"""Report assembly and chart specifications."""
