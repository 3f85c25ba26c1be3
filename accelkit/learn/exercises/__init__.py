"""Exercises: built from the solutions (``build``), checked in the learner's kernel
(``checking`` with the per-exercise ``checks/``), and graded for a class (``submissions``)."""
