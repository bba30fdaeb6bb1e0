"""What every room uses: settings, the clock, metrics and log safety."""
