"""Figures by chapter, in the house style (:mod:`cjm.present.figures.style`)."""
