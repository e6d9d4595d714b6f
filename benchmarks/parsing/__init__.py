"""Benchmark of question import (GIFT, QTI, JSON bank)."""
