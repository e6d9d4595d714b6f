"""The web pages: the student exam page and the proctor console, served as static files."""
