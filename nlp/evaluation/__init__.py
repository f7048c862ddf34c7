"""Evaluations of the analysis components on labelled real text (``nlp/data/labelled/``)."""

from .report import Confusion, Report, Scores

__all__ = ["Confusion", "Report", "Scores"]
