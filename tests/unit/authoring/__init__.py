"""Unit tests of question import (GIFT, QTI, JSON bank) and its CLI."""
