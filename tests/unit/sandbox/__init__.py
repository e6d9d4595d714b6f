"""Unit tests of the sandboxs pure parts and the code graders comparison and shaping."""
