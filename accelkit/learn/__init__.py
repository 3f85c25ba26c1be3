"""Layer 5: the learner's loop: progress, quizzes, the interview drill and the exercises."""
