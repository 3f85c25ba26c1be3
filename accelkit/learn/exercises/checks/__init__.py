"""Hidden checks, one module per exercise: ``EXERCISE`` (its id, the notebook's file stem) and
``CHECKS`` (a list of ``accelkit.learn.exercises.checking.Check``). Learners never see these in their notebook."""
