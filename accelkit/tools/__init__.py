"""Layer 6: the commands (``accelkit ...``), running every notebook, and the results page."""
